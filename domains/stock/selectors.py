"""Reads of products, deliveries and the ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.models import Organization
from core.series import daily_totals, days
from domains.stock.models import (
    AdjustmentReason,
    BranchStock,
    Category,
    Delivery,
    Movement,
    MovementKind,
    Product,
    Transfer,
)


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


def delivery_series(
    *, tenant: Organization, start: date, end: date, product_id: int | None = None
) -> list[dict[str, Any]]:
    """Quantity delivered per product per day (voided deliveries count with their reversal: net)."""
    rows = Movement.objects.filter(tenant=tenant, delivery__isnull=False)
    if product_id:
        rows = rows.filter(product_id=product_id)
    totals = daily_totals(rows, tenant=tenant, start=start, end=end, key="product_id", value="quantity")
    return product_series(totals, start=start, end=end)


def movement_series(
    *, tenant: Organization, kind: str, start: date, end: date, product_id: int | None = None, sign: int = 1
) -> list[dict[str, Any]]:
    """Net quantity moved by ``kind`` per product per organization-local day (``sign=-1``: what
    it took, as a positive figure); plain data, one point per day."""
    rows = Movement.objects.filter(tenant=tenant, kind=kind)
    if product_id:
        rows = rows.filter(product_id=product_id)
    totals = daily_totals(rows, tenant=tenant, start=start, end=end, key="product_id", value="quantity")
    return product_series(totals, start=start, end=end, sign=sign)


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


# What other domains read of the ledger, as plain data (their reports never query its tables).


@dataclass(frozen=True)
class Taken:
    """One product a movement took (or gave back), as recorded when it was made."""

    movement_id: int
    product_id: int
    product_name: str
    unit: str
    quantity: Decimal  # taken: positive
    balance_after: Decimal


def taken_by(*, source_type: str, source_ids: Iterable[int]) -> dict[int, list[Taken]]:
    """What each source (a serving, a sale) moved, by source id, in ledger order."""
    out: dict[int, list[Taken]] = {}
    rows = Movement.objects.filter(source_type=source_type, source_id__in=list(source_ids)).select_related("product")
    for m in rows.order_by("pk"):
        out.setdefault(int(m.source_id or 0), []).append(taken_from(m))
    return out


def taken_from(movement: Movement) -> Taken:
    """What ``movement`` took, from the row itself (a writer answering with what it just posted
    reads nothing back)."""
    m = movement
    return Taken(m.pk, m.product_id, m.product.name, m.product.unit, -m.quantity, m.balance_after)


@dataclass
class PeriodFlows:
    """A product's opening balance and its net movements per category over a period: reversals
    fold into what they undo, adjustments split by reason (``adjustment:waste`` ...)."""

    product_id: int
    name: str
    unit: str
    opening: Decimal = Decimal(0)
    by_category: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def category_of(kind: str, reason: str, reversed_kind: str | None) -> str:
    base = reversed_kind if kind == MovementKind.REVERSAL and reversed_kind else kind
    return f"{base}:{reason or AdjustmentReason.OTHER}" if base == MovementKind.ADJUSTMENT else base


def period_flows(*, tenant_id: int, start: datetime, end: datetime) -> list[PeriodFlows]:
    """Every product that had stock or movements in [start, end), in two grouped queries."""
    last_before = (
        Movement.objects.filter(product=OuterRef("pk"), created_at__lt=start)
        .order_by("-created_at", "-id")
        .values("balance_after")[:1]
    )
    flows = {
        pid: PeriodFlows(pid, name, unit, opening or Decimal(0))
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
        flows[row["product_id"]].by_category[category_of(row["kind"], row["reason"], row["reverses__kind"])] += row[
            "total"
        ]
    return [flow for flow in flows.values() if flow.opening or flow.by_category]


def products_moved_by_sources(
    *, tenant_id: int, kind: str, source_type: str, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """Distinct (source id, product id) pairs of ``kind`` movements made by ``source_type`` sources
    in [start, end): which products each serving took, say."""
    return list(
        Movement.objects.filter(
            tenant_id=tenant_id, kind=kind, source_type=source_type, created_at__gte=start, created_at__lt=end
        )
        .values_list("source_id", "product_id")
        .distinct()
        .order_by()
    )


def branch_levels(*, tenant_id: int, branch_ids: Iterable[int], low_only: bool = False) -> QuerySet:
    """Balances of live products at these shop branches as plain rows (dicts, pageable): the
    product's name, SKU, barcode, unit and sale price, and the minimum that applies (the
    branch's, else the product's)."""
    rows = (
        BranchStock.objects.filter(tenant_id=tenant_id, branch_id__in=list(branch_ids), product__deleted_at=None)
        .annotate(line=Coalesce("minimum", "product__minimum"))
        .order_by("branch_id", "product__name")
    )
    if low_only:
        rows = rows.filter(line__isnull=False, on_hand__lt=F("line"))
    return rows.values(
        "id",
        "branch_id",
        "product_id",
        "on_hand",
        "minimum",
        "updated_at",
        effective_minimum=F("line"),
        product_name=F("product__name"),
        sku=F("product__sku"),
        unit=F("product__unit"),
        barcode=F("product__barcode"),
        sale_price=F("product__sale_price"),
        currency=F("product__currency"),
    )


def branch_holds_stock(*, branch_id: int) -> bool:
    return BranchStock.objects.filter(branch_id=branch_id, on_hand__gt=0).exists()
