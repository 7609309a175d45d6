"""Reads of products, deliveries and the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate

from core.models import Organization
from core.timezones import start_of_day, tenant_zone
from domains.stock.models import Category, Delivery, Movement, MovementKind, Product, Transfer


def product_list(*, tenant: Organization) -> QuerySet[Product]:
    return Product.objects.filter(tenant=tenant)


def delivery_list(*, tenant: Organization) -> QuerySet[Delivery]:
    lines = Movement.objects.filter(kind=MovementKind.DELIVERY).select_related("product").order_by("pk")
    return (
        Delivery.objects.filter(tenant=tenant)
        .select_related("created_by", "voided_by")
        .prefetch_related(Prefetch("lines", queryset=lines, to_attr="delivery_lines"))
    )


def movement_list(*, tenant: Organization) -> QuerySet[Movement]:
    return Movement.objects.filter(tenant=tenant).select_related("product", "created_by", "reversed_by")


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily_totals(
    rows: QuerySet,
    *,
    tenant: Organization,
    start: date,
    end: date,
    key: str,
    value: str,
    time_field: str = "created_at",
) -> dict[Any, dict[date, tuple[Any, int]]]:
    """``{key: {day: (sum of value, row count)}}`` per organization-local day in [start, end]."""
    zone = tenant_zone(tenant)
    period = {
        f"{time_field}__gte": start_of_day(tenant, start),
        f"{time_field}__lt": start_of_day(tenant, end + timedelta(days=1)),
    }
    grouped = (
        rows.filter(**period)
        .annotate(day=TruncDate(time_field, tzinfo=zone))
        .values(key, "day")
        .annotate(total=Sum(value), n=Count("pk"))
        .order_by()
    )
    out: dict[Any, dict[date, Any]] = defaultdict(dict)
    for row in grouped:
        out[row[key]][row["day"]] = (row["total"], row["n"])
    return out


def delivery_series(
    *, tenant: Organization, start: date, end: date, product_id: int | None = None
) -> list[dict[str, Any]]:
    """Quantity delivered per product per day (voided deliveries count with their reversal: net)."""
    rows = Movement.objects.filter(tenant=tenant, delivery__isnull=False)
    if product_id:
        rows = rows.filter(product_id=product_id)
    totals = daily_totals(rows, tenant=tenant, start=start, end=end, key="product_id", value="quantity")
    return product_series(totals, start=start, end=end)


def product_series(
    totals: dict[int, dict[date, tuple[Any, int]]], *, start: date, end: date, sign: int = 1
) -> list[dict[str, Any]]:
    """Per product, one point per day of the range (zero where nothing moved)."""
    products = Product.all_objects.in_bulk(list(totals))
    return [
        {
            "product_id": pid,
            "name": products[pid].name,
            "unit": products[pid].unit,
            "points": [
                {"date": d, "quantity": sign * per_day.get(d, (0, 0))[0], "movements": per_day.get(d, (0, 0))[1]}
                for d in days(start, end)
            ],
        }
        for pid, per_day in sorted(totals.items(), key=lambda item: products[item[0]].name)
    ]


def category_list(*, tenant: Organization) -> QuerySet[Category]:
    return Category.objects.filter(tenant=tenant)


def transfer_list(*, tenant: Organization) -> QuerySet[Transfer]:
    return Transfer.objects.filter(tenant=tenant).select_related("product").order_by("-pk")
