"""Tracker apps' device tokens, and recording what the apps send.

A token names one agent of one organization. Only its SHA-256 is stored: it is shown once, when
made. A tracker's point goes through ``record`` like the socket's and the upload's (judged,
deduplicated, stored, announced), and its request is answered only after the commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.models import Organization, User
from domains.tracking.fixes import Fix
from domains.tracking.models import Device
from domains.tracking.selectors import reporting_agents
from domains.tracking.services.recording import Batch, Receipt, record

TOKEN_PREFIX = "oqd_"
USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


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


def device_revoke(*, device: Device) -> None:
    """The token stops working at once; the row stays, so the device's points keep their story."""
    Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _unknown(name: str) -> ValidationError:
    return ValidationError({name: [ErrorDetail("Unknown or revoked device token.", code="unknown_device")]})


def device_for(token: str, *, field: str = "id") -> Device:
    """The live device of ``token``, whose agent may still send fixes; else a 400 on ``field``."""
    device = (
        Device.objects.filter(token_hash=_hash(token), revoked_at__isnull=True).select_related("agent").first()
        if token.startswith(TOKEN_PREFIX)
        else None
    )
    if device is None or not reporting_agents(tenant_id=device.tenant_id, user_ids=[device.agent_id]):
        raise _unknown(field)
    return device


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
    return receipt
