"""The stock ledger: every change of a balance, from any domain, goes through ``apply_movements``.

It must run inside the caller's transaction (the locks live until it commits). Locks are taken in
one global order, central products by id then branch rows by id, so two writers never deadlock.
Products of another tenant or deleted ones are refused as if unknown; a branch that never held a
product has none of it (an incoming change opens its row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.bulk import update_rows
from core.errors import Conflict
from core.models import User
from domains.stock import events
from domains.stock.models import (
    BranchStock,
    Delivery,
    Movement,
    MovementKind,
    Place,
    Product,
)
from realtime.events import emit_many


class InsufficientStock(Conflict):
    default_code = "insufficient_stock"
    default_detail = "Not enough stock; nothing was changed."

    def __init__(self, shortages: list[dict[str, Any]]) -> None:
        names = ", ".join(s["name"] for s in shortages)
        super().__init__(
            gettext("Not enough stock of %(names)s; nothing was changed.") % {"names": names}, shortages=shortages
        )


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


def actor_id_of(actor: User | None) -> int | None:
    return actor.pk if actor else None


def emit_all(tenant_id: int, actor: User | None, events: list[dict[str, Any]]) -> None:
    """Emit ``{"type", "data"}`` items as one batch."""
    emit_many([{"tenant_id": tenant_id, "actor_id": actor_id_of(actor), **event} for event in events])


def qty(value: Decimal | int | None) -> str | None:
    """Quantities on the wire: exact, always three decimals, like the REST API."""
    return None if value is None else f"{Decimal(value):.3f}"


def _level_events(
    product: Product, holder: Product | BranchStock, before: Decimal, movement: Movement
) -> list[dict[str, Any]]:
    """``holder`` is the balance that changed: the product (central stock) or its branch row."""
    minimum = minimum_of(product, holder)
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
    out += crossing_events(product, holder, was_low=minimum is not None and before < minimum)
    return out


def minimum_of(product: Product, holder: Product | BranchStock) -> Decimal | None:
    # A branch without its own line uses the product's.
    if isinstance(holder, BranchStock) and holder.minimum is not None:
        return holder.minimum
    return product.minimum


def crossing_events(product: Product, holder: Product | BranchStock | None = None, *, was_low: bool) -> list[dict]:
    """``stock.low`` or ``stock.recovered`` when the balance crossed its minimum, else nothing."""
    holder = holder or product
    minimum = minimum_of(product, holder)
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
    Each change moves the central stock (``branch_id`` None) or one branch's; see the module's
    notes on locks. The level events are emitted here, or appended to ``collect`` for a caller
    that emits them in one batch with its own (one outbox insert and one publish).

    ``lock_balances`` then ``Posting.post`` does the same in two steps, for a caller that stamps
    its own row (a serving, a sale) with the ledger's time before the movements point at it."""
    posting = lock_balances(tenant_id=tenant_id, changes=changes)
    return posting.post(kind=kind, actor=actor, delivery=delivery, source=source, collect=collect)


Balance = tuple[int | None, int]  # (branch id or None for central, product id)


@dataclass
class Posting:
    """One change's balances, locked and checked, and the ledger's time taken under the locks
    (per balance, time order is balance order). ``post`` writes the movements."""

    tenant_id: int
    changes: Sequence[Change]
    products: dict[int, Product]
    central_ids: list[int]
    rows: dict[tuple[int, int], BranchStock]
    keys: list[Balance]
    before: dict[Balance, Decimal]
    now: datetime

    def holder(self, branch_id: int | None, product_id: int) -> Product | BranchStock | None:
        return _holder(self.products, self.rows, branch_id, product_id)

    def post(
        self,
        *,
        kind: MovementKind,
        actor: User | None = None,
        delivery: Delivery | None = None,
        source: tuple[str, int] | None = None,
        collect: list[dict[str, Any]] | None = None,
    ) -> list[Movement]:
        source_type, source_id = source if source else ("", None)
        movements = []
        for change in self.changes:
            balance = self.holder(change.branch_id, change.product_id)
            balance.on_hand += change.quantity
            movements.append(
                Movement(
                    tenant_id=self.tenant_id,
                    product=self.products[change.product_id],
                    branch_id=change.branch_id,
                    kind=kind,
                    quantity=change.quantity,
                    balance_after=balance.on_hand,
                    reason=change.reason,
                    note=change.note,
                    unit_cost=change.unit_cost,
                    delivery=delivery,
                    source_type=source_type,
                    source_id=source_id,
                    reverses_id=change.reverses_id,
                    created_by=actor,
                    created_at=self.now,
                )
            )
        _save_balances(Product, [self.products[pid] for pid in self.central_ids], self.now)
        _save_balances(BranchStock, list(self.rows.values()), self.now)
        movements = Movement.objects.bulk_create(movements)
        last = {(m.branch_id, m.product_id): m for m in movements}
        # One level event per balance (its last movement), crossings judged on the whole change.
        level_events = [
            {"tenant_id": self.tenant_id, "actor_id": actor_id_of(actor), **event}
            for bid, pid in self.keys
            for event in _level_events(
                self.products[pid], self.holder(bid, pid), self.before[(bid, pid)], last[(bid, pid)]
            )
        ]
        if collect is None:
            emit_many(level_events)
        else:
            collect.extend(level_events)
        return movements


def _holder(
    products: dict[int, Product], rows: dict[tuple[int, int], BranchStock], branch_id: int | None, product_id: int
) -> Product | BranchStock | None:
    """Whose ``on_hand`` a change moves: the product (central) or its row at the branch (None
    when the branch never held it)."""
    return products[product_id] if branch_id is None else rows.get((branch_id, product_id))


def lock_balances(*, tenant_id: int, changes: Sequence[Change], known: Sequence[Product] = ()) -> Posting:
    """Lock every balance ``changes`` move and refuse the change if one would go negative.
    ``known``: product rows the caller already read (a sale's lines), not read again when only
    their branch balances move."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the stock ledger must run inside transaction.atomic()")
    products, central_ids = _locked_products(tenant_id, changes, known)
    rows = _lock_branch_rows(tenant_id, changes)
    # Totals per balance first: one product may appear on several lines.
    keys = list(dict.fromkeys((c.branch_id, c.product_id) for c in changes))
    before = {}
    for bid, pid in keys:
        current = _holder(products, rows, bid, pid)
        before[(bid, pid)] = current.on_hand if current is not None else Decimal(0)
    after = dict(before)
    for change in changes:
        after[(change.branch_id, change.product_id)] += change.quantity
    _refuse_shortages(products, keys, before, after)
    return Posting(tenant_id, changes, products, central_ids, rows, keys, before, now=timezone.now())


def _locked_products(
    tenant_id: int, changes: Sequence[Change], known: Sequence[Product] = ()
) -> tuple[dict[int, Product], list[int]]:
    """The changed products, and the ids of those whose central balance moves. Central balances
    are read under their lock (the balance that counts is the locked one); products moved only
    at branches are read without one."""
    ids = sorted({change.product_id for change in changes})
    central_ids = sorted({c.product_id for c in changes if c.branch_id is None})
    products = {}
    if central_ids:
        locked = Product.objects.select_for_update().filter(tenant_id=tenant_id, pk__in=central_ids).order_by("pk")
        products.update({p.pk: p for p in locked})
    elsewhere = sorted(set(ids) - set(central_ids))
    given = {p.pk: p for p in known if p.pk in elsewhere and p.tenant_id == tenant_id}
    products.update(given)
    elsewhere = [pid for pid in elsewhere if pid not in given]
    if elsewhere:
        products.update({p.pk: p for p in Product.objects.filter(tenant_id=tenant_id, pk__in=elsewhere)})
    unknown = [pid for pid in ids if pid not in products or products[pid].is_deleted]
    if unknown:
        raise ValidationError(
            {"product": [gettext("Unknown product %(id)s.") % {"id": pid} for pid in unknown]}, code="does_not_exist"
        )
    return products, central_ids


def _refuse_shortages(
    products: dict[int, Product], keys: list[Balance], before: dict[Balance, Decimal], after: dict[Balance, Decimal]
) -> None:
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


def check_branch(tenant_id: int, branch: Place | None) -> None:
    if branch is not None and (branch.tenant_id != tenant_id or branch.is_deleted):
        raise ValidationError({"branch": [gettext("Unknown branch.")]}, code="does_not_exist")
