"""Who a token's holder is, remembered for a short while: every request needs its caller's
membership (with the user and the organization), and reading it from the cache costs one round
trip that also answers "was this session logged out?" instead of a query on every request.

Revocation stays immediate: any save or delete of a membership, a user or an organization gives
the entries it could have changed a new generation, at once and again after its transaction
commits, and an entry is used only under the generation it was read under (``lookup``). An
organization is remembered once for all its members.
``MEMBERSHIP_CACHE_SECONDS`` bounds what an edit made behind the ORM's back (a raw ``UPDATE``)
could leave; 0 turns the cache off.
"""

from __future__ import annotations

import copy
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.logging import retried
from core.lookups import unique_or_none
from core.models import Membership, Organization, User

MISSING = object()
GENERATION_SECONDS = 24 * 3600  # a generation that expired only costs one reload

logger = logging.getLogger(__name__)


def key(user_id: object, tenant_id: object) -> str:
    return f"auth:member:{tenant_id}:{user_id}"


def organization_key(tenant_id: object) -> str:
    # Apart from its members' entries: saving an organization of 10,000 members drops one key.
    return f"auth:organization:{tenant_id}"


def _generation(entry_key: str) -> str:
    return f"{entry_key}:generation"


def lookup(keys: list[str], *, user_id: object, tenant_id: int | None) -> tuple[dict[str, Any], Membership | None]:
    """``keys`` (session marks the caller wants) and the live membership, in one cache round
    trip when the membership is remembered; else one query, remembered for next time.

    Each entry is stored with the generation it was read under, and a change gives its key a new
    generation (``forget``): an entry written by a request that read the row before the change
    committed, but stored it after, no longer matches and is never used."""
    if tenant_id is None or not seconds():
        found = cache.get_many(keys) if keys else {}
        return found, None if tenant_id is None else load(user_id=user_id, tenant_id=tenant_id)
    entries = (key(user_id, tenant_id), organization_key(tenant_id))
    found = cache.get_many([*keys, *entries, *map(_generation, entries)])
    marks = {mark: found[mark] for mark in keys if mark in found}
    current = [_current(found, entry) for entry in entries]
    if all(value is not MISSING for value in current):
        membership, organization = current
        if membership is not None:
            membership.tenant = organization
        return marks, membership
    membership = load(user_id=user_id, tenant_id=tenant_id)
    if membership is not None:
        try:
            _remember(found, dict(zip(entries, (_without_organization(membership), membership.tenant), strict=True)))
        except Exception as failure:  # the answer stands; the next request reads the row again
            retried(logger, "membership not remembered", failure)
    return marks, membership


def _current(found: dict[str, Any], entry: str) -> Any:
    """The remembered value of ``entry`` if it was stored under the current generation."""
    stored, generation = found.get(entry), found.get(_generation(entry))
    if stored is None or generation is None or stored[0] != generation:
        return MISSING
    return stored[1]


def _remember(found: dict[str, Any], values: dict[str, Any]) -> None:
    """Store ``values`` under the generations read before the database was: a key without one
    gets a new one, unless a change gave it one meanwhile (then nothing is stored)."""
    entries = {}
    for entry, value in values.items():
        generation = found.get(_generation(entry))
        if generation is None:
            generation = uuid.uuid4().hex
            if not cache.add(_generation(entry), generation, GENERATION_SECONDS):
                continue
        entries[entry] = (generation, value)
    if entries:
        cache.set_many(entries, seconds())


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


def seconds() -> int:
    """How long an entry is remembered (``MEMBERSHIP_CACHE_SECONDS``; 0: not at all)."""
    return int(getattr(settings, "MEMBERSHIP_CACHE_SECONDS", 0))


def forget(entries: list[str]) -> None:
    """Give these entries a new generation now and when the transaction commits: what was
    remembered of them, or is being remembered by a request that read the old rows, is not used
    again. A cache that cannot be reached is logged, not raised: the change itself stands, and
    what the cache holds expires within ``MEMBERSHIP_CACHE_SECONDS``."""
    if not entries:
        return

    def renew() -> None:
        try:
            cache.set_many({_generation(entry): uuid.uuid4().hex for entry in entries}, GENERATION_SECONDS)
        except Exception as failure:
            retried(logger, "remembered memberships not renewed", failure, entries=len(entries))

    renew()
    transaction.on_commit(renew)


def _membership_changed(sender: type, instance: Membership, **_: Any) -> None:
    forget([key(instance.user_id, instance.tenant_id)])


def _user_changed(sender: type, instance: User, **_: Any) -> None:
    tenants = Membership.all_objects.filter(user_id=instance.pk).values_list("tenant_id", flat=True)
    forget([key(instance.pk, tenant_id) for tenant_id in tenants])


def _organization_changed(sender: type, instance: Organization, **_: Any) -> None:
    forget([organization_key(instance.pk)])


def connect() -> None:
    """Wire the forgetting to every write of the three models (from ``CoreConfig.ready``)."""
    handlers = ((Membership, _membership_changed), (User, _user_changed), (Organization, _organization_changed))
    for model, handler in handlers:
        post_save.connect(handler, sender=model, dispatch_uid=f"membership-cache-{model.__name__}-save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"membership-cache-{model.__name__}-delete")
