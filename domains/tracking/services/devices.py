"""Tracker apps' device tokens, and recording what the apps send.

A token names one agent of one organization. Only its SHA-256 is stored: it is shown once, when
made. A tracker's point goes through ``record`` like the socket's and the upload's (judged,
deduplicated, stored, announced), and its request is answered only after the commit.

A tracker sends its token with every point (OsmAnd 200 times a second in the benchmark), so which
device a token names is remembered in the process for ``MEMBERSHIP_CACHE_SECONDS``: a token always
names the same device, agent and organization. What can change is checked on every request in
one cache round trip, together with the agent's membership (``core.membership_cache``): the
device's generation, which revoking renews, must be the one it was remembered under, and the
agent must still be a live, active member who sends fixes. A generation the cache lost (evicted,
flushed, restarted) sends the request to the database, as a cache that cannot be reached does.
Only a cache every process shares is trusted so: with a process-local one (embedded), a
revocation made in the web process would never reach ``mqtt_ingest``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ErrorDetail, ValidationError

from core import membership_cache
from core.logging import retried
from core.models import Organization, User
from core.roles import has_capability
from domains.tracking.fixes import Fix
from domains.tracking.models import Device
from domains.tracking.selectors import reporting_agents
from domains.tracking.services.recording import Batch, Receipt, record

TOKEN_PREFIX = "oqd_"
USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
KNOWN_LIMIT = 20_000  # devices remembered per process; past it, the oldest are forgotten
PROCESS_LOCAL = ("LocMemCache", "DummyCache")

logger = logging.getLogger(__name__)
# token hash -> (remembered until, on the monotonic clock; the generation; the device as read)
_known: dict[str, tuple[float, str, Device]] = {}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def device_create(*, tenant: Organization, agent_id: int, name: str, actor: User) -> tuple[Device, str]:
    """A new device for the agent (a member here who sends fixes); returns it and its token."""
    if not reporting_agents(tenant_id=tenant.pk, user_ids=[agent_id]):
        raise ValidationError({"agent": [gettext("Not a member here who sends GPS fixes.")]}, code="invalid")
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    device = Device.objects.create(
        tenant=tenant, agent_id=agent_id, name=name, token_hash=_hash(token), token_hint=token[-4:], created_by=actor
    )
    return device, token


def _generation_key(token_hash: str) -> str:
    return f"tracking:device:{token_hash}:generation"


def device_revoke(*, device: Device) -> None:
    """The token stops working at once; the row stays, so the device's points keep their story."""
    Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

    def renew() -> None:  # now, and after the commit: a request that read the row in between
        try:
            cache.set(_generation_key(device.token_hash), uuid.uuid4().hex, membership_cache.GENERATION_SECONDS)
        except Exception as failure:  # the row says revoked; a remembered device lasts seconds at most
            retried(logger, "device generation not renewed", failure, device=device.pk)

    renew()
    transaction.on_commit(renew)


def _unknown(name: str) -> ValidationError:
    return ValidationError({name: [ErrorDetail("Unknown or revoked device token.", code="unknown_device")]})


def _remember_seconds() -> int:
    if settings.CACHES["default"]["BACKEND"].endswith(PROCESS_LOCAL):
        return 0
    return membership_cache.seconds()


def device_for(token: str, *, field: str = "id") -> Device:
    """The live device of ``token``, whose agent may still send fixes; else a 400 on ``field``."""
    if not token.startswith(TOKEN_PREFIX):
        raise _unknown(field)
    digest = _hash(token)
    generation_key, seconds, generation = _generation_key(digest), _remember_seconds(), None
    if seconds:
        try:
            device, generation = _remembered(digest, generation_key)
            if device is not None:
                return device
        except Exception as failure:  # no cache: the database answers, and nothing is remembered
            retried(logger, "device check fell back to the database", failure)
            seconds = 0
    # The generation was read before the row: a revocation committed after this read renews it,
    # so what is remembered below is never used again.
    device = Device.objects.filter(token_hash=digest, revoked_at__isnull=True).select_related("agent").first()
    if (
        device is None
        or not device.agent.is_active
        or not reporting_agents(tenant_id=device.tenant_id, user_ids=[device.agent_id])
    ):
        raise _unknown(field)
    if seconds:
        _remember(digest, generation_key, generation, device, seconds)
    return device


def _remembered(digest: str, generation_key: str) -> tuple[Device | None, str | None]:
    """The remembered device if it still stands, else None; and the device's generation now."""
    known = _known.pop(digest, None)
    if known is None or known[0] <= time.monotonic():
        return None, cache.get(generation_key)
    _, generation, device = known
    marks, membership = membership_cache.lookup([generation_key], user_id=device.agent_id, tenant_id=device.tenant_id)
    current = marks.get(generation_key)
    if (
        current is not None
        and current == generation
        and membership is not None
        and membership.user.is_active
        and has_capability(membership.role, "locations.report")
    ):
        _known[digest] = known
        return device, current
    return None, current


def _remember(digest: str, generation_key: str, generation: str | None, device: Device, seconds: int) -> None:
    """Remember ``device`` under the generation read before its row; a device without one gets
    one, unless a revocation gave it one meanwhile (then nothing is remembered)."""
    try:
        if generation is None:
            generation = uuid.uuid4().hex
            if not cache.add(generation_key, generation, membership_cache.GENERATION_SECONDS):
                return
    except Exception as failure:
        retried(logger, "device not remembered", failure)
        return
    if len(_known) >= KNOWN_LIMIT:
        for stale in list(_known)[: KNOWN_LIMIT // 10]:  # insertion order: the oldest first
            _known.pop(stale, None)
    _known[digest] = (time.monotonic() + seconds, generation, device)


def _alone(batch: Batch) -> Receipt:
    (receipt,) = record([batch])
    return receipt


def record_tracked(*, device: Device, fix: Fix, source: str, recorder: Callable[[Batch], Receipt] = _alone) -> Receipt:
    """One tracker point, recorded as any other (by ``recorder``: alone, or with others in the
    web process's group commit); returns once committed."""
    receipt = recorder(Batch(tenant_id=device.tenant_id, agent_id=device.agent_id, fixes=[fix], source=source))
    now = timezone.now()
    if device.last_used_at is None or device.last_used_at <= now - USED_EVERY:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now  # the remembered device too: written once a minute, not per point
    return receipt
