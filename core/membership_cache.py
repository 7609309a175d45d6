"""Who a token's holder is, remembered for a short while: every request needs its caller's
membership (with the user and the organization), and reading it from the cache costs one round
trip that also answers "was this session logged out?" instead of a query on every request.

Revocation stays immediate: any save or delete of a membership, a user or an organization drops
the entries it could have changed, after its transaction commits (and at once, so the writer's
own next request reloads). An organization is remembered once for all its members.
``MEMBERSHIP_CACHE_SECONDS`` bounds what an edit made behind the ORM's back (a raw ``UPDATE``)
could leave; 0 turns the cache off.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.lookups import unique_or_none
from core.models import Membership, Organization, User

MISSING = object()


def key(user_id: object, tenant_id: object) -> str:
    return f"auth:member:{tenant_id}:{user_id}"


def organization_key(tenant_id: object) -> str:
    # Apart from its members' entries: saving an organization of 10,000 members drops one key.
    return f"auth:organization:{tenant_id}"


def lookup(keys: list[str], *, user_id: object, tenant_id: int | None) -> tuple[dict[str, Any], Membership | None]:
    """``keys`` (session marks the caller wants) and the live membership, in one cache round
    trip when the membership is remembered; else one query, remembered for next time."""
    if tenant_id is None or not _seconds():
        found = cache.get_many(keys) if keys else {}
        return found, None if tenant_id is None else load(user_id=user_id, tenant_id=tenant_id)
    member_key, org_key = key(user_id, tenant_id), organization_key(tenant_id)
    found = cache.get_many([*keys, member_key, org_key])
    membership, organization = found.pop(member_key, MISSING), found.pop(org_key, MISSING)
    if membership is MISSING or organization is MISSING:
        membership = load(user_id=user_id, tenant_id=tenant_id)
        if membership is not None:
            cache.set_many({member_key: _without_organization(membership), org_key: membership.tenant}, _seconds())
    elif membership is not None:
        membership.tenant = organization  # type: ignore[union-attr]
    return found, membership  # type: ignore[return-value]  # a Membership or None


def _without_organization(membership: Membership) -> Membership:
    """What is remembered of a membership: it and its user; its organization is remembered once
    for all its members."""
    kept = copy.copy(membership)
    kept._state = copy.copy(membership._state)
    kept._state.fields_cache = {k: v for k, v in membership._state.fields_cache.items() if k != "tenant"}
    return kept


def load(*, user_id: object, tenant_id: int) -> Membership | None:
    """The live membership with its user (no password hash) and organization, in one query."""
    return unique_or_none(
        Membership.objects.select_related("user", "tenant")
        .defer("user__password")
        .filter(user_id=user_id, tenant_id=tenant_id)
    )


def _seconds() -> int:
    return int(getattr(settings, "MEMBERSHIP_CACHE_SECONDS", 0))


def forget(pairs: list[tuple[object, object]]) -> None:
    """Drop the entries of these (user, organization) pairs now and when the transaction commits
    (a request reading the old row before the commit could otherwise remember it)."""
    keys = [key(user_id, tenant_id) for user_id, tenant_id in pairs]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _membership_changed(sender: type, instance: Membership, **_: Any) -> None:
    forget([(instance.user_id, instance.tenant_id)])


def _user_changed(sender: type, instance: User, **_: Any) -> None:
    tenants = Membership.all_objects.filter(user_id=instance.pk).values_list("tenant_id", flat=True)
    forget([(instance.pk, tenant_id) for tenant_id in tenants])


def _organization_changed(sender: type, instance: Organization, **_: Any) -> None:
    cache.delete(organization_key(instance.pk))
    transaction.on_commit(lambda: cache.delete(organization_key(instance.pk)))


def connect() -> None:
    """Wire the forgetting to every write of the three models (from ``CoreConfig.ready``)."""
    handlers = ((Membership, _membership_changed), (User, _user_changed), (Organization, _organization_changed))
    for model, handler in handlers:
        post_save.connect(handler, sender=model, dispatch_uid=f"membership-cache-{model.__name__}-save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"membership-cache-{model.__name__}-delete")
