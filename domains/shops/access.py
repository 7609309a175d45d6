"""Who may do what at which branch: the one place branch scoping is decided.

A member's organization role says what they may do at most (``core.roles``); their assignment
at a branch (``BranchStaff``) says where, and may narrow it (a manager assigned as cashier sells,
but does not edit expenses there). Organization admins act at every branch without assignment;
everyone else acts only where assigned. Views and services ask ``branches_for`` or
``require_branch``; the sales feed's audience comes from ``audience_for``.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet
from django.utils.translation import gettext
from rest_framework.exceptions import PermissionDenied

from core.models import Membership
from core.roles import Role, has_capability
from domains.shops.models import Branch, BranchStaff

EVERY_BRANCH = None  # what ``branches_for`` returns for an organization admin


def branches_for(membership: Membership, capability: str) -> Collection[int] | None:
    """Ids of the branches where ``membership`` holds ``capability``; ``EVERY_BRANCH`` (None) for
    an organization admin. Empty when the organization role lacks it."""
    if membership.role == Role.ADMIN:
        return EVERY_BRANCH
    if not has_capability(membership.role, capability):
        return set()
    assignments = BranchStaff.objects.filter(tenant_id=membership.tenant_id, user_id=membership.user_id)
    return {
        branch_id
        for branch_id, role in assignments.values_list("branch_id", "role")
        if has_capability(role, capability)
    }


def require_branch(membership: Membership, branch: Branch, capability: str) -> None:
    """403 ``branch_forbidden`` unless ``membership`` holds ``capability`` at ``branch``."""
    same_organization = branch.tenant_id == membership.tenant_id
    if same_organization and membership.role == Role.ADMIN:
        return
    allowed = (
        same_organization
        and has_capability(membership.role, capability)
        and any(
            user_id == membership.user_id and has_capability(branch_role, capability)
            for user_id, branch_role, _org_role in staff_of(branch)
        )
    )
    if not allowed:
        raise PermissionDenied(
            gettext("You may not do this at %(branch)s: you are not assigned there with a role that allows it.")
            % {"branch": branch.name},
            code="branch_forbidden",
        )


def staff_of(branch: Branch) -> list[tuple[int, str, str]]:
    """(user id, branch role, organization role) of each member assigned at ``branch``, read once
    per branch object: a sale's access check and its feed's audience share one query."""
    cached: list[tuple[int, str, str]] | None = getattr(branch, "_staff", None)
    if cached is None:
        # Each assignment with the member's live membership of this organization (both
        # conditions in one filter() call apply to the same membership row).
        cached = list(
            BranchStaff.objects.filter(
                branch=branch, user__memberships__tenant_id=branch.tenant_id, user__memberships__deleted_at=None
            ).values_list("user_id", "role", "user__memberships__role")
        )
        branch._staff = cached  # type: ignore[attr-defined]  # a per-object memo, not a field
    return cached


def audience_for(branch: Branch, capability: str) -> dict[str, list]:
    """``emit`` arguments that show an event to those holding ``capability`` at the branch:
    organization admins, and the branch's assigned staff whose two roles both allow it."""
    users = sorted(
        user_id
        for user_id, branch_role, org_role in staff_of(branch)
        if has_capability(org_role, capability) and has_capability(branch_role, capability)
    )
    return {"roles": [Role.ADMIN.value], "users": users}


def scope(queryset: QuerySet, membership: Membership, capability: str, field: str = "branch_id") -> QuerySet:
    """``queryset`` narrowed to rows of the branches where ``membership`` holds ``capability``."""
    allowed = branches_for(membership, capability)
    return queryset if allowed is EVERY_BRANCH else queryset.filter(**{f"{field}__in": allowed})


def require_branch_stock(membership: Membership, branch: Branch) -> None:
    """A branch's stock levels: stock viewers see every branch; sales staff see their own."""
    if not has_capability(membership.role, "stock.view"):
        require_branch(membership, branch, "sales.view")


def scope_stock(rows: QuerySet, membership: Membership) -> QuerySet:
    """Branch stock rows for the analytics reports: every branch for stock viewers, else the
    branches where the member holds ``analytics.view``."""
    return rows if has_capability(membership.role, "stock.view") else scope(rows, membership, "analytics.view")
