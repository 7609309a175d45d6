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

from django.db.models import OuterRef, Q, Subquery, Sum

from domains.kitchen.models import Meal, Serving
from domains.stock.api import AdjustmentReason, Movement, MovementKind, Product, qty

CENT = Decimal("0.01")


@dataclass
class Flow:
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


def _category(kind: str, reason: str, reversed_kind: str | None) -> str:
    """Ledger rows grouped as the report shows them: reversals fold into what they undo,
    adjustments split by reason (``adjustment:waste``, ``adjustment:count`` …)."""
    base = reversed_kind if kind == MovementKind.REVERSAL and reversed_kind else kind
    return f"{base}:{reason or AdjustmentReason.OTHER}" if base == MovementKind.ADJUSTMENT else base


def ingredient_flows(*, tenant_id: int, start: datetime, end: datetime) -> dict[int, Flow]:
    """Every product that had stock or movements in [start, end), in three grouped queries."""
    last_before = (
        Movement.objects.filter(product=OuterRef("pk"), created_at__lt=start)
        .order_by("-created_at", "-id")
        .values("balance_after")[:1]
    )
    flows = {
        pid: Flow(pid, name, unit, opening or Decimal(0))
        for pid, name, unit, opening in Product.all_objects.filter(tenant_id=tenant_id)
        .annotate(opening=Subquery(last_before))
        .values_list("pk", "name", "unit", "opening")
    }
    grouped = (
        Movement.objects.filter(tenant_id=tenant_id, created_at__gte=start, created_at__lt=end)
        .values("product_id", "kind", "reason", "reverses__kind")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in grouped:
        category = _category(row["kind"], row["reason"], row["reverses__kind"])
        flows[row["product_id"]].by_category[category] += row["total"]
    return {pid: flow for pid, flow in flows.items() if flow.opening or flow.by_category}


def meal_usage(*, tenant_id: int, start: datetime, end: datetime) -> tuple[dict[int, int], dict[int, set[int]]]:
    """Portions served per meal, and the products each meal's servings deducted, in [start, end)."""
    served = dict(
        Serving.objects.filter(tenant_id=tenant_id, served_at__gte=start, served_at__lt=end)
        .values("meal_id")
        .annotate(total=Sum("portions"))
        .order_by()
        .values_list("meal_id", "total")
    )
    meal_of = Serving.objects.filter(pk=OuterRef("source_id")).values("meal_id")[:1]
    pairs = (
        Movement.objects.filter(
            Q(tenant_id=tenant_id, kind=MovementKind.SERVING, source_type="serving"),
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(meal_id=Subquery(meal_of))
        .values_list("meal_id", "product_id")
        .distinct()
        .order_by()
    )
    products: dict[int, set[int]] = defaultdict(set)
    for meal_id, product_id in pairs:
        products[meal_id].add(product_id)
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
