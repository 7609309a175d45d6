"""Stores, their branches, and who works at each."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.lookups import unique_or_none
from core.models import Membership, Organization, User
from core.roles import Role
from core.tenancy import create_named, update_named
from domains.shops.models import (
    Branch,
    BranchRole,
    BranchStaff,
    Store,
)
from domains.stock import api as stock


def store_create(*, tenant: Organization, **values: Any) -> Store:
    return create_named(Store, tenant=tenant, **values)


def store_update(*, store: Store, **values: Any) -> Store:
    return update_named(store, **values)


@transaction.atomic
def store_delete(*, store: Store) -> None:
    """Soft delete, refused while the store has live branches."""
    store = Store.objects.select_for_update().get(pk=store.pk)
    if Branch.objects.filter(store=store).exists():
        raise Conflict(gettext("Delete the store's branches first."), code="store_has_branches")
    store.mark_deleted()
    store.save(update_fields=["deleted_at", "updated_at"])


def branch_create(*, tenant: Organization, store: Store, **values: Any) -> Branch:
    return create_named(Branch, tenant=tenant, store=store, **values)


def branch_update(*, branch: Branch, **values: Any) -> Branch:
    return update_named(branch, **values)


@transaction.atomic
def branch_delete(*, branch: Branch) -> None:
    """Soft delete, refused while the branch holds stock (transfer it out first): stock of a
    deleted branch would vanish from every report."""
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    if stock.branch_holds_stock(branch_id=branch.pk):
        raise Conflict(gettext("The branch still holds stock; transfer it out first."), code="branch_has_stock")
    branch.mark_deleted()
    branch.save(update_fields=["deleted_at", "updated_at"])


def staff_assign(*, branch: Branch, user: User, role: BranchRole, actor: User) -> BranchStaff:
    """Assign a member to a branch with a role there (re-assigning changes the role)."""
    membership = unique_or_none(Membership.objects.filter(tenant_id=branch.tenant_id, user=user))
    if membership is None or membership.role == Role.CUSTOMER:
        raise ValidationError({"user": [gettext("Not a staff member of this organization.")]}, code="not_a_member")
    row, _ = BranchStaff.objects.update_or_create(
        branch=branch, user=user, defaults={"tenant_id": branch.tenant_id, "role": role, "assigned_by": actor}
    )
    return row


def staff_unassign(*, branch: Branch, user_id: int) -> None:
    BranchStaff.objects.filter(branch=branch, user_id=user_id).delete()
