"""Changes to an organization and its members; each writes its event in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.models import Membership, Organization, User
from core.roles import Role
from core.services import user_create
from domains.members import events
from realtime.events import emit


def _member_event(kind: events.EventType, membership: Membership, *, actor: User | None) -> None:
    emit(
        tenant_id=membership.tenant_id,
        type=kind.name,
        actor_id=actor.pk if actor else None,
        data={
            "membership_id": membership.pk,
            "user_id": membership.user_id,
            "username": membership.user.username,
            "role": membership.role,
        },
    )


@transaction.atomic
def tenant_update(
    *, tenant: Organization, name: str | None = None, timezone_name: str | None = None, actor: User | None = None
) -> Organization:
    if name is not None:
        tenant.name = name
    if timezone_name is not None:
        tenant.timezone = timezone_name
    tenant.save(update_fields=["name", "timezone"])
    emit(
        tenant_id=tenant.pk,
        type=events.ORGANIZATION_UPDATED.name,
        actor_id=actor.pk if actor else None,
        data={"name": tenant.name, "timezone": tenant.timezone},
    )
    return tenant


@transaction.atomic
def member_create(
    *,
    tenant: Organization,
    username: str,
    password: str,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> Membership:
    user = user_create(username=username, password=password, email=email, first_name=first_name, last_name=last_name)
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    _member_event(events.MEMBER_JOINED, membership, actor=actor)
    return membership


def _keep_one_admin(membership: Membership) -> None:
    """An organization never loses its last administrator; nobody could manage it again."""
    if membership.role != Role.ADMIN:
        return
    others = (
        Membership.objects.alive().filter(tenant_id=membership.tenant_id, role=Role.ADMIN).exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError(
            {"role": ["The organization's last administrator cannot be removed or demoted."]}, code="last_admin"
        )


@transaction.atomic
def member_change_role(*, membership: Membership, role: Role, actor: User | None = None) -> Membership:
    """Locks: the membership row. Takes effect on the member's next request."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    if role != membership.role:
        _keep_one_admin(membership)
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        _member_event(events.MEMBER_ROLE_CHANGED, membership, actor=actor)
    return membership


@transaction.atomic
def member_deactivate(*, membership: Membership, actor: User | None = None) -> None:
    """Soft delete: the member loses access at once; the row and its history stay."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    _keep_one_admin(membership)
    membership.deleted_at = timezone.now()
    membership.save(update_fields=["deleted_at", "updated_at"])
    _member_event(events.MEMBER_DEACTIVATED, membership, actor=actor)
