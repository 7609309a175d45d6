"""Stock for the benches: products, deliveries, written history, and the ledger checks (every
balance the sum of its rows, rows chaining, none negative, every refusal a real shortage)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from core.models import Organization, User
from domains.stock import services
from domains.stock.models import BranchStock, Movement, Product
from domains.stock.services import InsufficientStock

__all__ = ["InsufficientStock", "Product"]


def products(tenant: Organization, names: Sequence[str], unit: str = "g", **commercial: Any) -> list[Product]:
    """Products through the service, one per name; ``commercial`` maps a name to its fields."""
    return [services.product_create(tenant=tenant, name=n, unit=unit, **commercial.get(n, {})) for n in names]


def products_of(tenant: Organization) -> list[Product]:
    return list(Product.objects.filter(tenant=tenant).order_by("pk"))


def bulk_products(tenant: Organization, names: Sequence[str], unit: str = "g", **fields: Any) -> list[Product]:
    """Products written in one insert (a setup the service would take minutes for)."""
    return Product.objects.bulk_create([Product(tenant=tenant, name=n, unit=unit, **fields) for n in names])


def deliver(
    tenant: Organization, quantities: Iterable[tuple[Product, Any]], *, actor: User, branch: Any = None
) -> None:
    lines = [{"product": p, "quantity": Decimal(q)} for p, q in quantities]
    services.delivery_create(tenant=tenant, branch=branch, delivered_on=datetime.date.today(), lines=lines, actor=actor)


def waste(product: Product, quantity: Decimal, *, actor: User) -> None:
    services.adjust(product=product, reason="waste", quantity=-quantity, actor=actor)


def receive_silently(tenant: Organization, quantities: Iterable[tuple[Product, Any]]) -> None:
    """Stock through the ledger without a delivery's document (a setup)."""
    changes = [services.Change(product_id=p.pk, quantity=Decimal(q)) for p, q in quantities]
    with transaction.atomic():
        services.apply_movements(tenant_id=tenant.pk, kind="delivery", changes=changes)


def refusal(exc: InsufficientStock) -> dict:
    """What the API answers for a refused write (409)."""
    return {"error": {"code": "insufficient_stock", "shortages": exc.extra["shortages"]}}


def unjustified(refusals: list[dict]) -> int:
    """Refusals that are not a 409 ``insufficient_stock`` naming a real shortage."""
    return sum(
        1
        for body in refusals
        if body.get("error", {}).get("code") != "insufficient_stock"
        or any(Decimal(s["needed"]) <= Decimal(s["available"]) for s in body["error"]["shortages"])
    )


def _chain(rows: Iterable[tuple[Decimal, Decimal]]) -> tuple[Decimal, int, int]:
    """The running sum of a ledger's rows, the rows whose balance does not follow, the negatives."""
    running, broken, negative = Decimal(0), 0, 0
    for quantity, after in rows:
        running += quantity
        broken += after != running
        negative += after < 0
    return running, broken, negative


def central_anomalies(tenant_id: int) -> dict[str, int]:
    """Every product's balance against its ledger, row by row."""
    drift = negative = broken_chain = 0
    for product in Product.objects.filter(tenant_id=tenant_id):
        ledger = Movement.objects.filter(product=product).order_by("pk")
        running, broken, below = _chain(ledger.values_list("quantity", "balance_after"))
        total = ledger.aggregate(s=Sum("quantity"))["s"] or 0
        drift += (product.on_hand != total) or (product.on_hand != running)
        broken_chain, negative = broken_chain + broken, negative + below
    return {"drift": drift, "negative": negative, "broken_chain": broken_chain}


def branch_anomalies(tenant_id: int) -> dict[str, int]:
    """Every branch balance against its ledger, row by row."""
    drift = negative = broken_chain = 0
    for row in BranchStock.objects.filter(tenant_id=tenant_id):
        ledger = Movement.objects.filter(product_id=row.product_id, branch_id=row.branch_id).order_by("pk")
        running, broken, below = _chain(ledger.values_list("quantity", "balance_after"))
        drift += row.on_hand != running
        broken_chain, negative = broken_chain + broken, negative + below
    return {"drift": drift, "negative": negative, "broken_chain": broken_chain}


def write_history(movements: list[dict[str, Any]], balances: dict[int, Decimal]) -> None:
    """Ledger rows as a month of use left them (``Movement`` fields each), and the products'
    balances they end on."""
    Movement.objects.bulk_create([Movement(**m) for m in movements], batch_size=5000)
    for product_id, balance in balances.items():
        Product.objects.filter(pk=product_id).update(on_hand=balance)


def ledger_rows(tenant_id: int) -> int:
    return Movement.objects.filter(tenant_id=tenant_id).count()
