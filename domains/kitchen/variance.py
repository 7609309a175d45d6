"""Monthly variance: portions served against portions the stock that really left could have made.

Per ingredient *i* over the month (docs/kitchen.md has a worked example):

    outflow_i   = opening_i + delivered_i - closing_i - sold_i
    used_i      = what servings deducted (the ledger's serving rows)
    ratio_i     = outflow_i / used_i

``closing`` is the ledger balance at the end of the month, so waste, physical counts and
corrections are in it: stock that vanished shows up as outflow no serving explains. For a meal
*m* that served ``served_m`` portions, ``possible_m = floor(served_m * max ratio_i)`` over its
ingredients: the ingredient with the most unexplained outflow sets what could have been made
(taking the smallest would hide a loss whenever any other ingredient was exact).

    difference = (possible - served) / possible * 100

which is the share of the limiting ingredient's outflow that no serving accounts for.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Sum

from domains.kitchen.models import Meal, Serving
from domains.stock import api as stock
from domains.stock.api import MovementKind, qty

CENT = Decimal("0.01")


@dataclass
class Flow:
    """A product's flows over the month (``stock.period_flows``) and what they mean here."""

    product_id: int
    name: str
    unit: str
    opening: Decimal = Decimal(0)
    # Net quantity per category (signed as in the ledger); reversals count with what they undo.
    by_category: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def delivered(self) -> Decimal:
        return self.by_category.get(MovementKind.DELIVERY, Decimal(0))

    @property
    def sold(self) -> Decimal:
        return -self.by_category.get(MovementKind.SALE, Decimal(0))

    @property
    def used(self) -> Decimal:
        return -self.by_category.get(MovementKind.SERVING, Decimal(0))

    @property
    def closing(self) -> Decimal:
        return self.opening + sum(self.by_category.values(), Decimal(0))

    @property
    def outflow(self) -> Decimal:
        return self.opening + self.delivered - self.closing - self.sold

    @property
    def ratio(self) -> Fraction | None:
        # Exact: 6 portions x 800/600 must floor to 8, not to 7.999... in decimal arithmetic.
        return Fraction(self.outflow) / Fraction(self.used) if self.used > 0 else None

    def as_dict(self) -> dict[str, Any]:
        unaccounted = self.outflow - self.used
        return {
            "product_id": self.product_id,
            "name": self.name,
            "unit": self.unit,
            "opening": qty(self.opening),
            "delivered": qty(self.delivered),
            "closing": qty(self.closing),
            "sold": qty(self.sold),
            "outflow": qty(self.outflow),
            "used_by_servings": qty(self.used),
            "unaccounted": qty(unaccounted),
            "unaccounted_pct": str(percent(unaccounted, self.outflow)) if self.outflow > 0 else None,
            "movements": {k: qty(v) for k, v in sorted(self.by_category.items())},
        }


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP) if whole else Decimal("0.00")


def ingredient_flows(*, tenant_id: int, start: datetime, end: datetime) -> dict[int, Flow]:
    """Every product that had stock or movements in [start, end), as the ledger reports it."""
    return {
        f.product_id: Flow(f.product_id, f.name, f.unit, f.opening, f.by_category)
        for f in stock.period_flows(tenant_id=tenant_id, start=start, end=end)
    }


def meal_usage(*, tenant_id: int, start: datetime, end: datetime) -> tuple[dict[int, int], dict[int, set[int]]]:
    """Portions served per meal, and the products each meal's servings deducted, in [start, end)."""
    servings = Serving.objects.filter(tenant_id=tenant_id, served_at__gte=start, served_at__lt=end)
    served = dict(servings.values("meal_id").annotate(total=Sum("portions")).order_by().values_list("meal_id", "total"))
    pairs = stock.products_moved_by_sources(
        tenant_id=tenant_id, kind=MovementKind.SERVING, source_type="serving", start=start, end=end
    )
    meal_of = dict(Serving.objects.filter(pk__in={source for source, _product in pairs}).values_list("pk", "meal_id"))
    products: dict[int, set[int]] = defaultdict(set)
    for source, product_id in pairs:
        if source in meal_of:
            products[meal_of[source]].add(product_id)
    return served, products


def compute(*, tenant_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The report's figures for [start, end); see the module docstring for the formula."""
    flows = ingredient_flows(tenant_id=tenant_id, start=start, end=end)
    served, products = meal_usage(tenant_id=tenant_id, start=start, end=end)
    names = dict(Meal.all_objects.filter(pk__in=list(served)).values_list("pk", "name"))
    meals = []
    for meal_id, portions in sorted(served.items(), key=lambda item: names[item[0]]):
        ratios = [(flows[pid].ratio, pid) for pid in products.get(meal_id, ()) if flows[pid].ratio is not None]
        ratio, limiting = max(ratios) if ratios else (Fraction(1), None)
        possible = math.floor(portions * ratio)
        meals.append(
            {
                "meal_id": meal_id,
                "name": names[meal_id],
                "served": portions,
                "possible": possible,
                "difference_pct": str(percent(possible - portions, possible)),
                "limiting_product_id": limiting,
            }
        )
    total_served = sum(m["served"] for m in meals)
    total_possible = sum(m["possible"] for m in meals)
    return {
        "served": total_served,
        "possible": total_possible,
        "difference_pct": percent(total_possible - total_served, total_possible),
        "meals": meals,
        "ingredients": [flow.as_dict() for flow in sorted(flows.values(), key=lambda f: f.name)],
    }
