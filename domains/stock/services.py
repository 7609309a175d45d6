"""Writes to products, deliveries and the ledger. Views, other domains and workers call these.

Every balance change goes through ``apply_movements``: it locks the products' rows in id order
(so two writers never deadlock), refuses the whole change if any balance would go negative,
then writes the new balances, the ledger rows and their events in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.models import Organization, User
from core.tenancy import require_unique_name
from core.timezones import local_today
from domains.stock import events, signals
from domains.stock.models import AdjustmentReason, Delivery, Movement, MovementKind, Product
from realtime.events import emit, emit_many


class InsufficientStock(Conflict):
    default_code = "insufficient_stock"
    default_detail = "Not enough stock; nothing was changed."

    def __init__(self, shortages: list[dict[str, Any]]) -> None:
        names = ", ".join(s["name"] for s in shortages)
        super().__init__(f"Not enough stock of {names}; nothing was changed.", shortages=shortages)


@dataclass(frozen=True)
class Change:
    """One line of a balance change: ``quantity`` is signed (negative takes stock out)."""

    product_id: int
    quantity: Decimal
    reason: str = ""
    note: str = ""
    unit_cost: Decimal | None = None
    reverses_id: int | None = None


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor else None


def _emit_all(tenant_id: int, actor: User | None, events: list[dict[str, Any]]) -> None:
    """Emit ``{"type", "data"}`` items as one batch."""
    emit_many([{"tenant_id": tenant_id, "actor_id": _actor_id(actor), **event} for event in events])


def qty(value: Decimal | int | None) -> str | None:
    """Quantities on the wire: exact, always three decimals, like the REST API."""
    return None if value is None else f"{Decimal(value):.3f}"


def _level_events(product: Product, before: Decimal, movement: Movement) -> list[dict[str, Any]]:
    minimum = product.minimum
    out = [
        {
            "type": events.LEVEL_CHANGED.name,
            "data": {
                "product_id": product.pk,
                "name": product.name,
                "unit": product.unit,
                "quantity": qty(product.on_hand),
                "change": qty(movement.quantity),
                "kind": movement.kind,
                "movement_id": movement.pk,
                "minimum": qty(minimum),
                "is_low": product.is_low,
            },
        }
    ]
    out += _crossing_events(product, was_low=minimum is not None and before < minimum)
    return out


def _crossing_events(product: Product, *, was_low: bool) -> list[dict[str, Any]]:
    """``stock.low`` or ``stock.recovered`` when the product crossed its minimum, else nothing."""
    if was_low == product.is_low:
        return []
    kind = events.LOW if product.is_low else events.RECOVERED
    data = {
        "product_id": product.pk,
        "name": product.name,
        "unit": product.unit,
        "quantity": qty(product.on_hand),
        "minimum": qty(product.minimum),
    }
    return [{"type": kind.name, "data": data}]


def apply_movements(
    *,
    tenant_id: int,
    kind: MovementKind,
    changes: Sequence[Change],
    actor: User | None = None,
    delivery: Delivery | None = None,
    source: tuple[str, int] | None = None,
) -> list[Movement]:
    """Change balances all-or-nothing; raises ``InsufficientStock`` listing every short product.

    Must run inside the caller's transaction (the lock lives until it commits). Products of
    another tenant or deleted ones are refused as if unknown.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_movements must run inside transaction.atomic()")
    ids = sorted({change.product_id for change in changes})
    products = {
        p.pk: p for p in Product.objects.select_for_update().filter(tenant_id=tenant_id, pk__in=ids).order_by("pk")
    }
    unknown = [pid for pid in ids if pid not in products or products[pid].is_deleted]
    if unknown:
        raise ValidationError({"product": [f"Unknown product {pid}." for pid in unknown]}, code="does_not_exist")

    # Totals per product first: one product may appear on several lines.
    after = {pid: products[pid].on_hand for pid in ids}
    for change in changes:
        after[change.product_id] += change.quantity
    shortages = [
        {
            "product_id": pid,
            "name": products[pid].name,
            "unit": products[pid].unit,
            "needed": str(products[pid].on_hand - after[pid]),
            "available": str(products[pid].on_hand),
        }
        for pid in ids
        if after[pid] < 0
    ]
    if shortages:
        raise InsufficientStock(shortages)

    now = timezone.now()  # taken under the locks: per product, time order is balance order
    before = {pid: products[pid].on_hand for pid in ids}
    movements = []
    for change in changes:
        product = products[change.product_id]
        product.on_hand += change.quantity
        movements.append(
            Movement(
                tenant_id=tenant_id,
                product=product,
                kind=kind,
                quantity=change.quantity,
                balance_after=product.on_hand,
                reason=change.reason,
                note=change.note,
                unit_cost=change.unit_cost,
                delivery=delivery,
                source_type=source[0] if source else "",
                source_id=source[1] if source else None,
                reverses_id=change.reverses_id,
                created_by=actor,
                created_at=now,
            )
        )
    for product in products.values():
        product.updated_at = now
    Product.objects.bulk_update(products.values(), ["on_hand", "updated_at"])
    movements = Movement.objects.bulk_create(movements)

    # One level event per product (its last movement), crossings judged on the whole change.
    last = {m.product_id: m for m in movements}
    _emit_all(tenant_id, actor, [e for pid in ids for e in _level_events(products[pid], before[pid], last[pid])])
    signals.levels_changed.send(sender=Product, tenant_id=tenant_id, product_ids=ids)
    return movements


# Products


def _product_event(product: Product, actor: User | None) -> None:
    emit(
        tenant_id=product.tenant_id,
        type=events.PRODUCT_CHANGED.name,
        actor_id=_actor_id(actor),
        data={
            "product_id": product.pk,
            "name": product.name,
            "unit": product.unit,
            "minimum": qty(product.minimum),
            "location": product.location,
            "deleted": product.is_deleted,
        },
    )


@transaction.atomic
def product_create(
    *,
    tenant: Organization,
    name: str,
    unit: str,
    minimum: Decimal | None = None,
    location: str = "",
    actor: User | None = None,
) -> Product:
    require_unique_name(Product, tenant_id=tenant.pk, name=name)
    product = Product.objects.create(tenant=tenant, name=name, unit=unit, minimum=minimum, location=location)
    _product_event(product, actor)
    # A new product with a minimum starts below it: say so, so that the first delivery's
    # ``stock.recovered`` has a matching ``stock.low``.
    _emit_all(tenant.pk, actor, _crossing_events(product, was_low=False))
    return product


_UNSET: Any = object()


@transaction.atomic
def product_update(
    *,
    product: Product,
    name: str | None = None,
    minimum: Decimal | None = _UNSET,
    location: str | None = None,
    actor: User | None = None,
) -> Product:
    """Name, minimum and location; the unit is fixed once created (the ledger is in it).
    A new minimum that puts the product on the other side of the line emits the crossing."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    was_low = product.is_low
    if name is not None and name != product.name:
        require_unique_name(Product, tenant_id=product.tenant_id, name=name, exclude=product.pk)
        product.name = name
    if minimum is not _UNSET:
        product.minimum = minimum
    if location is not None:
        product.location = location
    product.save()
    _product_event(product, actor)
    _emit_all(product.tenant_id, actor, _crossing_events(product, was_low=was_low))
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: User | None = None) -> None:
    """Soft delete; the ledger keeps its rows. Other domains may refuse (a recipe uses it)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    signals.product_retiring.send(sender=Product, product=product)
    product.mark_deleted()
    product.save(update_fields=["deleted_at", "updated_at"])
    _product_event(product, actor)


# Deliveries


def _delivery_event(delivery: Delivery, movements: Sequence[Movement], actor: User | None) -> None:
    emit(
        tenant_id=delivery.tenant_id,
        type=events.DELIVERY_RECORDED.name,
        actor_id=_actor_id(actor),
        data={
            "delivery_id": delivery.pk,
            "supplier": delivery.supplier,
            "delivered_on": delivery.delivered_on,
            "lines": [{"product_id": m.product_id, "quantity": qty(m.quantity)} for m in movements],
            "voided": delivery.voided_at is not None,
        },
    )


def _check_delivered_on(tenant: Organization, delivered_on: date) -> None:
    # A day of slack for suppliers in another time zone; beyond that it is a typo.
    if delivered_on > local_today(tenant) + timedelta(days=1):
        raise ValidationError({"delivered_on": ["A delivery cannot be dated more than a day ahead."]}, code="future")


@transaction.atomic
def delivery_create(
    *,
    tenant: Organization,
    delivered_on: date,
    lines: Sequence[dict[str, Any]],
    supplier: str = "",
    batch_note: str = "",
    note: str = "",
    actor: User,
) -> Delivery:
    """A delivery and its lines (``product``, ``quantity`` > 0, optional ``unit_cost``)."""
    _check_delivered_on(tenant, delivered_on)
    delivery = Delivery.objects.create(
        tenant=tenant,
        supplier=supplier,
        delivered_on=delivered_on,
        batch_note=batch_note,
        note=note,
        created_by=actor,
    )
    changes = [
        Change(product_id=line["product"].pk, quantity=line["quantity"], unit_cost=line.get("unit_cost"))
        for line in lines
    ]
    movements = apply_movements(
        tenant_id=tenant.pk, kind=MovementKind.DELIVERY, changes=changes, actor=actor, delivery=delivery
    )
    _delivery_event(delivery, movements, actor)
    return delivery


@transaction.atomic
def delivery_update(
    *,
    delivery: Delivery,
    actor: User,
    supplier: str | None = None,
    delivered_on: date | None = None,
    batch_note: str | None = None,
    note: str | None = None,
) -> Delivery:
    """The header only: quantities are ledger rows, corrected by voiding and recording anew."""
    delivery = Delivery.objects.select_for_update().select_related("tenant").get(pk=delivery.pk)
    if delivery.voided_at:
        raise Conflict("This delivery is void.", code="delivery_void")
    if delivered_on is not None:
        _check_delivered_on(delivery.tenant, delivered_on)
        delivery.delivered_on = delivered_on
    for field, value in (("supplier", supplier), ("batch_note", batch_note), ("note", note)):
        if value is not None:
            setattr(delivery, field, value)
    delivery.save()
    _delivery_event(delivery, list(delivery.lines.filter(kind=MovementKind.DELIVERY)), actor)
    return delivery


@transaction.atomic
def delivery_void(*, delivery: Delivery, reason: str, actor: User) -> Delivery:
    """Reverse every line of the delivery. Refused (409) if part of it was already used up."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.voided_at:
        raise Conflict("This delivery is already void.", code="delivery_void")
    lines = list(delivery.lines.filter(kind=MovementKind.DELIVERY, reversed_by__isnull=True))
    changes = [
        Change(product_id=m.product_id, quantity=-m.quantity, note=f"void of delivery {delivery.pk}", reverses_id=m.pk)
        for m in lines
    ]
    if changes:
        apply_movements(
            tenant_id=delivery.tenant_id, kind=MovementKind.REVERSAL, changes=changes, actor=actor, delivery=delivery
        )
    delivery.voided_at = timezone.now()
    delivery.voided_by = actor
    delivery.void_reason = reason
    delivery.save(update_fields=["voided_at", "voided_by", "void_reason"])
    _delivery_event(delivery, lines, actor)
    return delivery


# Adjustments and reversals


@transaction.atomic
def adjust(
    *,
    product: Product,
    reason: AdjustmentReason,
    actor: User,
    quantity: Decimal | None = None,
    counted: Decimal | None = None,
    note: str = "",
) -> Movement | None:
    """A manual change: ``quantity`` (signed) for waste or corrections, or ``counted``, the
    physically counted balance, which records the difference. A count that matches changes
    nothing and returns None."""
    if (quantity is None) == (counted is None):
        raise ValidationError({"quantity": ["Give either quantity or counted."]}, code="required")
    if counted is not None:
        current = Product.objects.select_for_update().get(pk=product.pk).on_hand
        quantity = counted - current
        if quantity == 0:
            return None
    (movement,) = apply_movements(
        tenant_id=product.tenant_id,
        kind=MovementKind.ADJUSTMENT,
        changes=[Change(product_id=product.pk, quantity=quantity, reason=reason, note=note)],
        actor=actor,
    )
    return movement


REVERSIBLE = {MovementKind.DELIVERY, MovementKind.ADJUSTMENT}


@transaction.atomic
def reverse(*, movement: Movement, actor: User, note: str = "") -> Movement:
    """Undo one delivery line or adjustment with an opposite row. Servings and sales are undone
    by their own documents, reversals are never reversed, and nothing is reversed twice."""
    movement = Movement.objects.select_for_update().get(pk=movement.pk)
    if movement.kind not in REVERSIBLE:
        raise Conflict(f"A {movement.kind} movement cannot be reversed here.", code="not_reversible")
    if Movement.objects.filter(reverses=movement).exists():
        raise Conflict("This movement is already reversed.", code="already_reversed")
    (reversal,) = apply_movements(
        tenant_id=movement.tenant_id,
        kind=MovementKind.REVERSAL,
        changes=[
            Change(
                product_id=movement.product_id,
                quantity=-movement.quantity,
                reason=movement.reason,
                note=note or f"reversal of movement {movement.pk}",
                reverses_id=movement.pk,
            )
        ],
        actor=actor,
        delivery=movement.delivery,
    )
    return reversal
