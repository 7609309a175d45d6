"""Reads of meals, portions possible, servings and kitchen charts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from core.models import Organization
from core.series import daily_totals, days
from domains.kitchen.models import KitchenSettings, Meal, RecipeItem, Serving, VarianceReport
from domains.stock import api as stock
from domains.stock.api import MovementKind


def meals(*, tenant: Organization) -> QuerySet[Meal]:
    return Meal.objects.filter(tenant=tenant)


def meal_list(*, tenant: Organization) -> QuerySet[Meal]:
    recipe = RecipeItem.objects.select_related("product").order_by("pk")
    return Meal.objects.filter(tenant=tenant).prefetch_related(Prefetch("recipe", queryset=recipe))


def portions_possible(rows: Iterable[tuple[int, Any, Any]]) -> dict[int, int]:
    """min over a meal's ingredients of floor(on hand / per portion), from
    ``(meal_id, per_portion, on_hand)`` rows; exact Decimal arithmetic, never floats."""
    out: dict[int, int] = {}
    for meal_id, per_portion, on_hand in rows:
        n = int(on_hand // per_portion)
        out[meal_id] = min(out.get(meal_id, n), n)
    return out


def portions_for_meals(meal_ids: Iterable[int] | QuerySet) -> dict[int, int]:
    """Portions possible now for these meals; a meal without a recipe line makes 0."""
    rows = RecipeItem.objects.filter(meal_id__in=meal_ids).values_list("meal_id", "quantity", "product__on_hand")
    return portions_possible(rows)


def kitchen_tenants() -> list[int]:
    """Organizations with at least one live meal."""
    return list(Meal.objects.order_by().values_list("tenant_id", flat=True).distinct())


def meals_using(*, tenant_id: int, product_ids: Iterable[int]) -> QuerySet:
    """Ids of live meals whose recipe uses any of the products."""
    return (
        RecipeItem.objects.filter(tenant_id=tenant_id, product_id__in=list(product_ids), meal__deleted_at__isnull=True)
        .values("meal_id")
        .distinct()
    )


def serving_list(*, tenant: Organization) -> QuerySet[Serving]:
    return Serving.objects.filter(tenant=tenant).select_related("meal", "served_by")


def serving_deductions(serving_ids: Iterable[int]) -> dict[int, list[stock.Taken]]:
    """What each serving took from stock, as recorded at the time (recipes may have changed since)."""
    return stock.taken_by(source_type="serving", source_ids=serving_ids)


def kitchen_settings(*, tenant: Organization) -> KitchenSettings:
    found, _ = KitchenSettings.objects.get_or_create(tenant=tenant)
    return found


def report_list(*, tenant: Organization) -> QuerySet[VarianceReport]:
    return VarianceReport.objects.filter(tenant=tenant)


def consumption_series(
    *, tenant: Organization, start: date, end: date, product_id: int | None = None
) -> list[dict[str, Any]]:
    """Quantity of each ingredient consumed by servings per organization-local day."""
    return stock.movement_series(
        tenant=tenant, kind=MovementKind.SERVING, start=start, end=end, product_id=product_id, sign=-1
    )


def servings_series(
    *, tenant: Organization, start: date, end: date, meal_id: int | None = None
) -> list[dict[str, Any]]:
    """Portions served per meal per organization-local day."""
    rows = Serving.objects.filter(tenant=tenant)
    if meal_id:
        rows = rows.filter(meal_id=meal_id)
    totals = daily_totals(
        rows, tenant=tenant, start=start, end=end, key="meal_id", value="portions", time_field="served_at"
    )
    meals = Meal.all_objects.in_bulk(list(totals))
    return [
        {
            "meal_id": mid,
            "name": meals[mid].name,
            "points": [
                {"date": d, "portions": per_day.get(d, (0, 0))[0], "servings": per_day.get(d, (0, 0))[1]}
                for d in days(start, end)
            ],
        }
        for mid, per_day in sorted(totals.items(), key=lambda item: meals[item[0]].name)
    ]


def portions_board(*, tenant: Organization) -> list[dict[str, Any]]:
    """Portions possible of every live meal, by name (the cook's screen)."""
    meals = list(Meal.objects.filter(tenant=tenant).order_by("name").values_list("pk", "name"))
    portions = portions_for_meals([pk for pk, _ in meals])
    return [{"meal_id": pk, "name": name, "portions": portions.get(pk, 0)} for pk, name in meals]
