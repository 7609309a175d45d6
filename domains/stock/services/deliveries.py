"""Deliveries: recording, correcting and voiding what arrived."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.models import Organization, User
from core.timezones import local_today
from domains.stock import events
from domains.stock.models import (
    Delivery,
    Movement,
    MovementKind,
    Place,
)
from domains.stock.services.ledger import Change, actor_id_of, apply_movements, check_branch, qty
from realtime.events import emit


def _delivery_event(delivery: Delivery, movements: Sequence[Movement], actor: User | None) -> None:
    emit(
        tenant_id=delivery.tenant_id,
        type=events.DELIVERY_RECORDED.name,
        actor_id=actor_id_of(actor),
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
        raise ValidationError(
            {"delivered_on": [gettext("A delivery cannot be dated more than a day ahead.")]}, code="future"
        )


@transaction.atomic
def delivery_create(
    *,
    tenant: Organization,
    delivered_on: date,
    lines: Sequence[dict[str, Any]],
    supplier: str = "",
    batch_note: str = "",
    note: str = "",
    branch: Place | None = None,
    actor: User,
) -> Delivery:
    """A delivery and its lines (``product``, ``quantity`` > 0, optional ``unit_cost``), into the
    central stock or straight to a shop ``branch``."""
    _check_delivered_on(tenant, delivered_on)
    check_branch(tenant.pk, branch)
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
        raise Conflict(gettext("This delivery is void."), code="delivery_void")
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
        raise Conflict(gettext("This delivery is already void."), code="delivery_void")
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
