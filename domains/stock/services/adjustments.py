"""Counted adjustments, reversals of a movement, and transfers between places."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.lookups import unique_or_none
from core.models import Organization, User
from domains.stock.models import (
    AdjustmentReason,
    BranchStock,
    Movement,
    MovementKind,
    Place,
    Product,
    Transfer,
)
from domains.stock.services.ledger import Change, apply_movements, check_branch


@transaction.atomic
def adjust(
    *,
    product: Product,
    reason: AdjustmentReason,
    actor: User,
    quantity: Decimal | None = None,
    counted: Decimal | None = None,
    note: str = "",
    branch: Place | None = None,
) -> Movement | None:
    """A manual change of the central stock or of a ``branch``'s: ``quantity`` (signed) for waste
    or corrections, or ``counted``, the physically counted balance, which records the difference.
    A count that matches changes nothing and returns None."""
    if (quantity is None) == (counted is None):
        raise ValidationError({"quantity": [gettext("Give either quantity or counted.")]}, code="required")
    check_branch(product.tenant_id, branch)
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
        raise Conflict(gettext("This movement cannot be reversed here."), code="not_reversible", kind=movement.kind)
    if Movement.objects.filter(reverses=movement).exists():
        raise Conflict(gettext("This movement is already reversed."), code="already_reversed")
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


@transaction.atomic
def transfer(
    *,
    tenant: Organization,
    product: Product,
    quantity: Decimal,
    from_branch: Place | None,
    to_branch: Place | None,
    actor: User,
    note: str = "",
) -> Transfer:
    """Move ``quantity`` of ``product`` between two places (a branch, or the central stock when
    None): two ledger rows in this one transaction, or nothing if the source is short (409)."""
    for branch in (from_branch, to_branch):
        check_branch(tenant.pk, branch)
    if from_branch == to_branch:
        raise ValidationError({"to_branch": [gettext("A transfer goes to another place.")]}, code="same_place")
    if quantity <= 0:
        raise ValidationError({"quantity": [gettext("A transfer moves a positive quantity.")]}, code="min_value")
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
