"""Reads for tenants and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Membership, Organization, User


def membership_list(*, tenant: Organization, include_inactive: bool = False) -> QuerySet[Membership]:
    rows = Membership.all_objects.all() if include_inactive else Membership.objects.alive()
    return rows.filter(tenant=tenant).select_related("user")


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.alive().filter(user=user).select_related("tenant").order_by("tenant__name")


def language_of(*, tenant_id: int, user_id: int) -> str:
    """The member's chosen language there, or "" (not chosen, or no longer a member)."""
    chosen = Membership.objects.alive().filter(tenant_id=tenant_id, user_id=user_id).values_list("language", flat=True)
    return chosen.first() or ""
