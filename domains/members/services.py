"""Changes to an organization and its members; each writes its event in the same transaction."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.models import Membership, Organization, User
from core.roles import Role
from core.services import set_password, user_create
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
            "onec_code": membership.onec_code,
        },
    )


@transaction.atomic
def session_revoked(*, user_id: int, tenant_id: int) -> None:
    """Audit an ended session (a refresh token used twice, core.auth); its actor is nobody."""
    membership = Membership.objects.select_related("user").filter(user_id=user_id, tenant_id=tenant_id).first()
    if membership is not None:
        _member_event(events.SESSION_REVOKED, membership, actor=None)


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
            {"role": [gettext("The organization's last administrator cannot be removed or demoted.")]},
            code="last_admin",
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


@transaction.atomic
def member_update(
    *,
    membership: Membership,
    onec_code: str | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> Membership:
    """The member's 1C code, or a new password set by an administrator. Only for people who
    belong to this organization alone: another organization's member keeps their own password."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    changed = False
    if onec_code is not None and onec_code != membership.onec_code:
        if onec_code and _live(membership.tenant_id).filter(onec_code=onec_code).exclude(pk=membership.pk).exists():
            raise ValidationError({"onec_code": [gettext("Another member has this 1C code.")]}, code="unique")
        membership.onec_code = onec_code
        membership.save(update_fields=["onec_code", "updated_at"])
        changed = True
    if password is not None:
        if (
            Membership.objects.alive()
            .filter(user_id=membership.user_id)
            .exclude(tenant_id=membership.tenant_id)
            .exists()
        ):
            raise ValidationError(
                {
                    "password": [
                        gettext("This person belongs to another organization too: only they change their password.")
                    ]
                },
                code="shared_user",
            )
        set_password(membership.user, password)
        changed = True
    if changed:
        _member_event(events.MEMBER_UPDATED, membership, actor=actor)
    return membership


@transaction.atomic
def member_edit(
    *, membership: Membership, role: str | None = None, actor: User | None = None, **changes: Any
) -> Membership:
    """A member's role and other details in one go: nothing changes if any part is refused."""
    if role is not None:
        membership = member_change_role(membership=membership, role=Role(role), actor=actor)
    if changes:
        membership = member_update(membership=membership, actor=actor, **changes)
    return membership


def _live(tenant_id: int) -> Any:
    return Membership.objects.alive().filter(tenant_id=tenant_id)


# From 1C: agents by their 1C code


def _synced_agent(index: int, row: Any) -> tuple[str, str, bool]:
    def fail(problem: str) -> ValueError:
        return ValueError(f"agents[{index}]: {problem}")

    if not isinstance(row, dict):
        raise fail("a row must be an object")
    code, name, active = row.get("code"), row.get("name", ""), row.get("active", True)
    if not isinstance(code, str) or not code.strip() or len(code) > 50:
        raise fail("code must be text of 1 to 50 characters")
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise fail("name must be text of 1 to 150 characters")
    if not isinstance(active, bool):
        raise fail("active must be true or false")
    return code.strip(), name.strip(), active


def _free_username(tenant: Organization, code: str) -> str:
    """A login for an agent 1C created: the organization's slug and the agent's code."""
    base = re.sub(r"[^\w.@+-]+", "-", f"{tenant.slug}.{code}".lower()).strip("-")[:140] or "agent"
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def agents_sync(*, tenant: Organization, rows: list[Any]) -> int:
    """Agents as 1C lists them, matched by the 1C code on their membership (in the caller's
    transaction); returns how many were created or changed. An unknown code becomes an agent
    with a login and no password (an administrator sets one); ``active: false`` takes an agent's
    access away, and ``true`` gives it back. Raises ``ValueError`` naming a malformed row, before
    any write."""
    wanted = {code: (name, active) for code, name, active in (_synced_agent(n, r) for n, r in enumerate(rows))}
    live = {m.onec_code: m for m in _live(tenant.pk).filter(onec_code__in=wanted).select_related("user")}
    changed = 0
    for code, (name, active) in wanted.items():
        membership = live.get(code)
        if membership is None and active:
            if not _agent_join(tenant, code, name):
                continue
        elif membership is not None and not active and membership.role != Role.ADMIN:
            membership.mark_deleted()
            membership.save(update_fields=["deleted_at", "updated_at"])
            _member_event(events.MEMBER_DEACTIVATED, membership, actor=None)
        elif membership is not None and active and membership.user.first_name != name:
            membership.user.first_name = name
            membership.user.save(update_fields=["first_name"])
            _member_event(events.MEMBER_UPDATED, membership, actor=None)
        else:
            continue
        changed += 1
    return changed


def _agent_join(tenant: Organization, code: str, name: str) -> bool:
    # An agent 1C switched off and on again is the same person: the same login comes back,
    # unless an administrator gave that person another membership meanwhile (theirs stays).
    before = Membership.all_objects.filter(tenant=tenant, onec_code=code).order_by("-id").select_related("user").first()
    if before is not None:
        user = before.user
        if Membership.objects.alive().filter(tenant=tenant, user=user).exists():
            return False
    else:
        user = User(username=_free_username(tenant, code), first_name=name)
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT, onec_code=code)
    _member_event(events.MEMBER_JOINED, membership, actor=None)
    return True
