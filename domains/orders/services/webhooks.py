"""Provider webhooks: signature checks and status updates pushed by the provider."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError

from core.lookups import unique_or_none
from core.parsers import loads
from core.secrets import unseal
from domains.orders.models import (
    ACTIVE,
    AttemptKind,
    Order,
    Outcome,
    Provider,
    WebhookReceipt,
)
from domains.orders.providers.base import (
    COMPLETED,
    PROVIDER_STATUSES,
    Answer,
)
from domains.orders.services.lifecycle import apply_answer, locked, record_attempt

WEBHOOK_TOLERANCE = timedelta(minutes=5)


def _verify(provider: Provider, header: str, body: bytes, now: datetime) -> str:
    """Check ``t=<unix>,v1=<hex>`` (HMAC-SHA256 over ``"<t>." + body``); returns the signature."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        stamp = int(parts["t"][0])
        signatures = parts["v1"]
    except (KeyError, ValueError, IndexError) as exc:
        raise AuthenticationFailed(gettext("Missing or malformed X-Oqim-Signature."), code="invalid_signature") from exc
    if abs(now.timestamp() - stamp) > WEBHOOK_TOLERANCE.total_seconds():
        raise AuthenticationFailed(
            gettext("The signature timestamp is outside the 5-minute tolerance."), code="stale_signature"
        )
    secret = unseal(provider.webhook_secret_sealed).encode()
    expected = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    for candidate in signatures:
        if hmac.compare_digest(expected, candidate):
            return f"{stamp}.{candidate}"
    raise AuthenticationFailed(gettext("The signature does not match."), code="invalid_signature")


def sign_webhook(secret: str, body: bytes, *, at: datetime | None = None) -> str:
    """The ``X-Oqim-Signature`` value a provider sends (for providers' integration and tests)."""
    stamp = int((at or timezone.now()).timestamp())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def _webhook_order(provider: Provider, payload: dict) -> Order:
    key, reference = payload.get("client_order_id"), payload.get("reference")
    query = Q()
    if isinstance(reference, str) and reference:
        query |= Q(provider_reference=reference)
    if isinstance(key, str) and key:
        head, _, round_ = key.partition(".")
        with contextlib.suppress(ValueError):
            query |= Q(public_id=uuid.UUID(head), dispatch_round=int(round_ or 0))
    order = unique_or_none(Order.objects.filter(query, provider=provider)) if query else None
    if order is None:
        raise NotFound(
            gettext("No order of this provider matches client_order_id or reference."), code="order_not_found"
        )
    return order


def webhook_receive(*, provider: Provider, signature: str, body: bytes, now: datetime | None = None) -> Order | None:
    """Apply a signed provider notification. Returns the order, or None for a replay (the same
    signature seen before), which changes nothing."""
    now = now or timezone.now()
    signed = _verify(provider, signature, body, now)
    try:
        payload = loads(body)
    except ValueError as exc:
        raise ValidationError({"body": [gettext("Not JSON.")]}, code="invalid") from exc
    if not isinstance(payload, dict) or payload.get("status") not in PROVIDER_STATUSES:
        raise ValidationError(
            {"status": [gettext("One of %(choices)s.") % {"choices": ", ".join(PROVIDER_STATUSES)}]},
            code="invalid_choice",
        )
    if payload["status"] == COMPLETED and not (isinstance(payload.get("pin"), str) and payload["pin"]):
        raise ValidationError({"pin": [gettext("A completed order needs its PIN.")]}, code="required")
    found = _webhook_order(provider, payload)
    answer = Answer(
        status=payload["status"],
        reference=str(payload.get("reference") or "")[:100] or None,
        pin=payload.get("pin") if payload["status"] == COMPLETED else None,
        reason=str(payload.get("reason") or "")[:500],
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(
                    provider=provider, digest=hashlib.sha256(signed.encode()).hexdigest(), received_at=now
                )
        except IntegrityError:
            return None
        order = locked(found.pk)
        before = order.status
        if before in ACTIVE:
            apply_answer(order, answer, now=now)
            order.save()
            outcome = answer.status
        else:
            outcome = Outcome.IGNORED
        record_attempt(order, AttemptKind.WEBHOOK, now=now, outcome=outcome, before=before, answer=answer)
    return order
