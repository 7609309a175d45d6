"""Writes to products, deliveries and the ledger. Views, other domains and workers call these.

Every balance change goes through ``apply_movements``: it locks the products' rows in id order
(so two writers never deadlock), refuses the whole change if any balance would go negative,
then writes the new balances, the ledger rows and their events in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.bulk import update_rows
from core.errors import Conflict
from core.lookups import unique_or_none
from core.models import Organization, User
from core.tenancy import create_named, require_unique_name, update_named
from core.timezones import local_today
from domains.shops.models import Branch
from domains.stock import events, signals
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
    branch_id: int | None = None  # a shop branch's balance; None is the central stock


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor else None


def _emit_all(tenant_id: int, actor: User | None, events: list[dict[str, Any]]) -> None:
    """Emit ``{"type", "data"}`` items as one batch."""
    emit_many([{"tenant_id": tenant_id, "actor_id": _actor_id(actor), **event} for event in events])


def qty(value: Decimal | int | None) -> str | None:
    """Quantities on the wire: exact, always three decimals, like the REST API."""
    return None if value is None else f"{Decimal(value):.3f}"


def _level_events(
    product: Product, holder: Product | BranchStock, before: Decimal, movement: Movement
) -> list[dict[str, Any]]:
    """``holder`` is the balance that changed: the product (central stock) or its branch row."""
    minimum = _minimum(product, holder)
    out = [
        {
            "type": events.LEVEL_CHANGED.name,
            "data": {
                "product_id": product.pk,
                "branch_id": movement.branch_id,
                "name": product.name,
                "unit": product.unit,
                "quantity": qty(holder.on_hand),
                "change": qty(movement.quantity),
                "kind": movement.kind,
                "movement_id": movement.pk,
                "minimum": qty(minimum),
                "is_low": minimum is not None and holder.on_hand < minimum,
            },
        }
    ]
    out += _crossing_events(product, holder, was_low=minimum is not None and before < minimum)
    return out


def _minimum(product: Product, holder: Product | BranchStock) -> Decimal | None:
    # A branch without its own line uses the product's.
    if isinstance(holder, BranchStock) and holder.minimum is not None:
        return holder.minimum
    return product.minimum


def _crossing_events(product: Product, holder: Product | BranchStock | None = None, *, was_low: bool) -> list[dict]:
    """``stock.low`` or ``stock.recovered`` when the balance crossed its minimum, else nothing."""
    holder = holder or product
    minimum = _minimum(product, holder)
    is_low = minimum is not None and holder.on_hand < minimum
    if was_low == is_low:
        return []
    kind = events.LOW if is_low else events.RECOVERED
    data = {
        "product_id": product.pk,
        "branch_id": holder.branch_id if isinstance(holder, BranchStock) else None,
        "name": product.name,
        "unit": product.unit,
        "quantity": qty(holder.on_hand),
        "minimum": qty(minimum),
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
    collect: list[dict[str, Any]] | None = None,
) -> list[Movement]:
    """Change balances all-or-nothing; raises ``InsufficientStock`` listing every short product.

    The level events are emitted here, or appended to ``collect`` for a caller that emits them
    in one batch with its own (one outbox insert and one publish for the whole change).

    Each change moves the central stock (``branch_id`` None) or one branch's. Must run inside the
    caller's transaction (the locks live until it commits). Locks are taken in one global order,
    central products by id then branch rows by id, so two writers never deadlock. Products of
    another tenant or deleted ones are refused as if unknown; a branch that never held a product
    has none of it (an incoming change opens its row).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_movements must run inside transaction.atomic()")
    ids = sorted({change.product_id for change in changes})
    central_ids = sorted({c.product_id for c in changes if c.branch_id is None})
    # Central balances are read under their lock (the balance that counts is the locked one);
    # products moved only at branches are read without one.
    products = {}
    if central_ids:
        locked = Product.objects.select_for_update().filter(tenant_id=tenant_id, pk__in=central_ids).order_by("pk")
        products.update({p.pk: p for p in locked})
    elsewhere = sorted(set(ids) - set(central_ids))
    if elsewhere:
        products.update({p.pk: p for p in Product.objects.filter(tenant_id=tenant_id, pk__in=elsewhere)})
    unknown = [pid for pid in ids if pid not in products or products[pid].is_deleted]
    if unknown:
        raise ValidationError({"product": [f"Unknown product {pid}." for pid in unknown]}, code="does_not_exist")
    rows = _lock_branch_rows(tenant_id, changes)

    def holder(branch_id: int | None, product_id: int) -> Product | BranchStock | None:
        return products[product_id] if branch_id is None else rows.get((branch_id, product_id))

    # Totals per balance first: one product may appear on several lines.
    keys = list(dict.fromkeys((c.branch_id, c.product_id) for c in changes))
    before = {}
    after = {}
    for key in keys:
        current = holder(*key)
        before[key] = after[key] = current.on_hand if current is not None else Decimal(0)
    for change in changes:
        after[(change.branch_id, change.product_id)] += change.quantity
    shortages = [
        {
            "product_id": pid,
            "branch_id": bid,
            "name": products[pid].name,
            "unit": products[pid].unit,
            "needed": qty(before[(bid, pid)] - after[(bid, pid)]),
            "available": qty(before[(bid, pid)]),
        }
        for bid, pid in keys
        if after[(bid, pid)] < 0
    ]
    if shortages:
        raise InsufficientStock(shortages)

    now = timezone.now()  # taken under the locks: per balance, time order is balance order
    movements = []
    for change in changes:
        balance = holder(change.branch_id, change.product_id)
        balance.on_hand += change.quantity
        movements.append(
            Movement(
                tenant_id=tenant_id,
                product=products[change.product_id],
                branch_id=change.branch_id,
                kind=kind,
                quantity=change.quantity,
                balance_after=balance.on_hand,
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
    _save_balances(Product, [products[pid] for pid in central_ids], now)
    _save_balances(BranchStock, list(rows.values()), now)
    movements = Movement.objects.bulk_create(movements)

    last = {(m.branch_id, m.product_id): m for m in movements}
    # One level event per balance (its last movement), crossings judged on the whole change.
    level_events = [
        {"tenant_id": tenant_id, "actor_id": _actor_id(actor), **event}
        for bid, pid in keys
        for event in _level_events(products[pid], holder(bid, pid), before[(bid, pid)], last[(bid, pid)])
    ]
    if collect is None:
        emit_many(level_events)
    else:
        collect.extend(level_events)
    if central_ids:
        signals.levels_changed.send(sender=Product, tenant_id=tenant_id, product_ids=central_ids)
    return movements


def _save_balances(model: type[Product] | type[BranchStock], holders: list, now: datetime) -> None:
    for holder in holders:
        holder.updated_at = now
    update_rows(holders, ["on_hand", "updated_at"])


def _lock_branch_rows(tenant_id: int, changes: Sequence[Change]) -> dict[tuple[int, int], BranchStock]:
    """Lock the branch balances ``changes`` touch, by id; incoming changes open missing rows."""
    keys = sorted({(c.branch_id, c.product_id) for c in changes if c.branch_id is not None})
    if not keys:
        return {}
    incoming = sorted({(c.branch_id, c.product_id) for c in changes if c.branch_id is not None and c.quantity > 0})
    if incoming:
        BranchStock.objects.bulk_create(
            [BranchStock(tenant_id=tenant_id, branch_id=b, product_id=p) for b, p in incoming], ignore_conflicts=True
        )
    condition = Q()
    for branch_id in {b for b, _ in keys}:
        condition |= Q(branch_id=branch_id, product_id__in=[p for b, p in keys if b == branch_id])
    locked = BranchStock.objects.select_for_update().filter(condition, tenant_id=tenant_id).order_by("pk")
    return {(row.branch_id, row.product_id): row for row in locked}


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
            "sku": product.sku,
            "barcode": product.barcode,
            "category_id": product.category_id,
            "sale_price": None if product.sale_price is None else str(product.sale_price),
            "cost_price": None if product.cost_price is None else str(product.cost_price),
            "currency": product.currency,
            "deleted": product.is_deleted,
        },
    )


# What a shop sells a product by; optional for kitchen ingredients.
COMMERCIAL_FIELDS = ("sku", "barcode", "category", "sale_price", "cost_price", "currency")


def _require_unique_codes(tenant_id: int, values: dict[str, Any], exclude: int | None = None) -> None:
    """SKU and barcode are unique among a tenant's live products: a 400 on the field."""
    for field in ("sku", "barcode"):
        code = values.get(field)
        if not code:
            continue
        clash = Product.objects.filter(tenant_id=tenant_id, **{f"{field}__iexact": code})
        if exclude:
            clash = clash.exclude(pk=exclude)
        if clash.exists():
            raise ValidationError({field: [f"Another product has this {field}."]}, code="unique")


@transaction.atomic
def product_create(
    *,
    tenant: Organization,
    name: str,
    unit: str,
    minimum: Decimal | None = None,
    location: str = "",
    actor: User | None = None,
    **commercial: Any,
) -> Product:
    """``commercial`` takes any of ``COMMERCIAL_FIELDS`` (a product for sale)."""
    require_unique_name(Product, tenant_id=tenant.pk, name=name)
    _require_unique_codes(tenant.pk, commercial)
    product = Product.objects.create(
        tenant=tenant, name=name, unit=unit, minimum=minimum, location=location, **_commercial(commercial)
    )
    _product_event(product, actor)
    # A new product with a minimum starts below it: say so, so that the first delivery's
    # ``stock.recovered`` has a matching ``stock.low``.
    _emit_all(tenant.pk, actor, _crossing_events(product, was_low=False))
    return product


def _commercial(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(COMMERCIAL_FIELDS)
    if unknown:
        raise TypeError(f"not product fields: {sorted(unknown)}")
    return values


_UNSET: Any = object()


@transaction.atomic
def product_update(
    *,
    product: Product,
    name: str | None = None,
    minimum: Decimal | None = _UNSET,
    location: str | None = None,
    actor: User | None = None,
    **commercial: Any,
) -> Product:
    """Name, minimum, location and the ``COMMERCIAL_FIELDS``; the unit is fixed once created (the
    ledger is in it). A new minimum that puts the product on the other side of the line emits
    the crossing."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    was_low = product.is_low
    if name is not None and name != product.name:
        require_unique_name(Product, tenant_id=product.tenant_id, name=name, exclude=product.pk)
        product.name = name
    if minimum is not _UNSET:
        product.minimum = minimum
    if location is not None:
        product.location = location
    _require_unique_codes(product.tenant_id, commercial, exclude=product.pk)
    for field, value in _commercial(commercial).items():
        setattr(product, field, value)
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


@transaction.atomic
def branch_minimum(
    *, branch: Branch, product: Product, minimum: Decimal | None, actor: User | None = None
) -> BranchStock:
    """Set ``product``'s low-stock line at ``branch`` (None: the product's own applies); a line
    that puts the balance on the other side emits the crossing."""
    _check_branch(product.tenant_id, branch)
    BranchStock.objects.bulk_create(
        [BranchStock(tenant_id=product.tenant_id, branch=branch, product=product)], ignore_conflicts=True
    )
    row = BranchStock.objects.select_for_update().get(branch=branch, product=product)
    limit = _minimum(product, row)
    was_low = limit is not None and row.on_hand < limit
    row.minimum = minimum
    row.save(update_fields=["minimum", "updated_at"])
    _emit_all(product.tenant_id, actor, _crossing_events(product, row, was_low=was_low))
    return row


# Categories


def category_create(*, tenant: Organization, name: str) -> Category:
    return create_named(Category, tenant=tenant, name=name)


def category_rename(*, category: Category, name: str) -> Category:
    return update_named(category, name=name)


def category_delete(*, category: Category) -> None:
    category.mark_deleted()
    category.save(update_fields=["deleted_at"])


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
    branch: Branch | None = None,
    actor: User,
) -> Delivery:
    """A delivery and its lines (``product``, ``quantity`` > 0, optional ``unit_cost``), into the
    central stock or straight to a shop ``branch``."""
    _check_delivered_on(tenant, delivered_on)
    _check_branch(tenant.pk, branch)
    delivery = Delivery.objects.create(
        tenant=tenant,
        branch=branch,
        supplier=supplier,
        delivered_on=delivered_on,
        batch_note=batch_note,
        note=note,
        created_by=actor,
    )
    changes = [
        Change(
            product_id=line["product"].pk,
            quantity=line["quantity"],
            unit_cost=line.get("unit_cost"),
            branch_id=delivery.branch_id,
        )
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
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=delivery.pk)
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
        Change(
            product_id=m.product_id,
            quantity=-m.quantity,
            note=f"void of delivery {delivery.pk}",
            reverses_id=m.pk,
            branch_id=m.branch_id,
        )
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
    branch: Branch | None = None,
) -> Movement | None:
    """A manual change of the central stock or of a ``branch``'s: ``quantity`` (signed) for waste
    or corrections, or ``counted``, the physically counted balance, which records the difference.
    A count that matches changes nothing and returns None."""
    if (quantity is None) == (counted is None):
        raise ValidationError({"quantity": ["Give either quantity or counted."]}, code="required")
    _check_branch(product.tenant_id, branch)
    if counted is not None:
        if branch is None:
            current = Product.objects.select_for_update().get(pk=product.pk).on_hand
        else:
            row = unique_or_none(BranchStock.objects.select_for_update().filter(branch=branch, product=product))
            current = row.on_hand if row else Decimal(0)
        quantity = counted - current
        if quantity == 0:
            return None
    (movement,) = apply_movements(
        tenant_id=product.tenant_id,
        kind=MovementKind.ADJUSTMENT,
        changes=[
            Change(
                product_id=product.pk,
                quantity=quantity,
                reason=reason,
                note=note,
                branch_id=branch.pk if branch else None,
            )
        ],
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
                branch_id=movement.branch_id,
            )
        ],
        actor=actor,
        delivery=movement.delivery,
    )
    return reversal


def _check_branch(tenant_id: int, branch: Branch | None) -> None:
    if branch is not None and (branch.tenant_id != tenant_id or branch.is_deleted):
        raise ValidationError({"branch": ["Unknown branch."]}, code="does_not_exist")


# Transfers


@transaction.atomic
def transfer(
    *,
    tenant: Organization,
    product: Product,
    quantity: Decimal,
    from_branch: Branch | None,
    to_branch: Branch | None,
    actor: User,
    note: str = "",
) -> Transfer:
    """Move ``quantity`` of ``product`` between two places (a branch, or the central stock when
    None): two ledger rows in this one transaction, or nothing if the source is short (409)."""
    for branch in (from_branch, to_branch):
        _check_branch(tenant.pk, branch)
    if from_branch == to_branch:
        raise ValidationError({"to_branch": ["A transfer goes to another place."]}, code="same_place")
    if quantity <= 0:
        raise ValidationError({"quantity": ["A transfer moves a positive quantity."]}, code="min_value")
    record = Transfer.objects.create(
        tenant=tenant,
        product=product,
        quantity=quantity,
        from_branch=from_branch,
        to_branch=to_branch,
        note=note,
        created_by=actor,
    )
    text = note or f"transfer {record.pk}"
    apply_movements(
        tenant_id=tenant.pk,
        kind=MovementKind.TRANSFER,
        changes=[
            Change(product_id=product.pk, quantity=-quantity, note=text, branch_id=from_branch and from_branch.pk),
            Change(product_id=product.pk, quantity=quantity, note=text, branch_id=to_branch and to_branch.pk),
        ],
        actor=actor,
        source=("transfer", record.pk),
    )
    return record
