"""Tracker apps' device tokens, and recording what the apps send.

A token names one agent of one organization. Only its SHA-256 is stored: it is shown once, when
made. A tracker's point goes through ``record`` like the socket's and the upload's (judged,
deduplicated, stored, announced), and its request is answered only after the commit.

A tracker sends its token with every point (OsmAnd 200 times a second in the benchmark), so which
device a token names is remembered in the process for ``MEMBERSHIP_CACHE_SECONDS``: a token always
names the same device, agent and organization. What can change is checked on every request in
one cache round trip, together with the agent's membership (``core.membership_cache``): a revoked
device (a mark written when it is revoked) or an agent who left or may no longer send fixes is
refused at once. Without the cache, every request reads the database.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
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
REVOKED_SECONDS = 7 * 24 * 3600  # far longer than any process remembers a device
KNOWN_LIMIT = 20_000  # devices remembered per process; past it, the oldest are forgotten

logger = logging.getLogger(__name__)
# token hash -> (remembered until, on the monotonic clock; the device as read)
_known: dict[str, tuple[float, Device]] = {}


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


def _revoked_key(device: Device) -> str:
    return f"tracking:device:{device.token_hash}:revoked"


def device_revoke(*, device: Device) -> None:
    """The token stops working at once; the row stays, so the device's points keep their story."""
    Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

    def mark() -> None:
        try:
            cache.set(_revoked_key(device), 1, REVOKED_SECONDS)
        except Exception as failure:  # the row says revoked; a process remembers it for seconds at most
            retried(logger, "device revocation not marked", failure, device=device.pk)

    mark()
    transaction.on_commit(mark)


def _unknown(name: str) -> ValidationError:
    return ValidationError({name: [ErrorDetail("Unknown or revoked device token.", code="unknown_device")]})


def device_for(token: str, *, field: str = "id") -> Device:
    """The live device of ``token``, whose agent may still send fixes; else a 400 on ``field``."""
    if not token.startswith(TOKEN_PREFIX):
        raise _unknown(field)
    digest = _hash(token)
    seconds = int(getattr(settings, "MEMBERSHIP_CACHE_SECONDS", 0))
    known = _known.get(digest)
    if known is not None and known[0] > time.monotonic():
        try:
            if _still_live(known[1]):
                return known[1]
        except Exception as failure:  # no cache: the database answers below
            retried(logger, "device check fell back to the database", failure)
        _known.pop(digest, None)
    device = Device.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
    if device is None or not reporting_agents(tenant_id=device.tenant_id, user_ids=[device.agent_id]):
        raise _unknown(field)
    if seconds:
        if len(_known) >= KNOWN_LIMIT:
            for stale in list(_known)[: KNOWN_LIMIT // 10]:  # insertion order: the oldest first
                _known.pop(stale, None)
        _known[digest] = (time.monotonic() + seconds, device)
    return device


def _still_live(device: Device) -> bool:
    """One cache round trip: the device was not revoked, and its agent is still a live, active
    member who may send fixes."""
    revoked = _revoked_key(device)
    marks, membership = membership_cache.lookup([revoked], user_id=device.agent_id, tenant_id=device.tenant_id)
    return (
        revoked not in marks
        and membership is not None
        and membership.user.is_active
        and has_capability(membership.role, "locations.report")
    )


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
