"""Delivering an endpoint's line: in order, under a lease, retried for a day.

Delivery is at least once. A worker holds an endpoint's lease while it sends, one delivery at a
time in id order; a delivery waiting for its retry holds back the ones after it, so a receiver
sees events in the order they were committed. A worker killed mid-send leaves its lease to
expire; the next one sends that delivery again, with the same ``webhook-id`` (the event id),
which is what receivers deduplicate on.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import egress
from core.bulk import insert_rows
from core.secrets import unseal
from core.timezones import iso_z
from domains.alarms.api import clear_alarms, raise_alarm
from domains.webhooks import signing
from domains.webhooks.alarms import WEBHOOK_FAILING
from domains.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint, EndpointState, Message
from domains.webhooks.services.endpoints import alarm_subject
from domains.webhooks.services.queue import kick
from workers import delivery as durable

RETRY_SCHEDULE = (5, 30, 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800)
GIVE_UP_AFTER = timedelta(hours=24)
BACKOFF = durable.Backoff(schedule=RETRY_SCHEDULE, give_up_after=GIVE_UP_AFTER)
LEASE_SECONDS = 6.0  # a killed worker's endpoints wait this long at most for another


def body(message: Message, *, with_secrets: bool) -> bytes:
    """The webhook's JSON body (Standard Webhooks' ``type``, ``timestamp``, ``data``). Sealed
    fields are opened only for an endpoint allowed them; for others they are null."""
    data = dict(message.data)
    for key in message.sealed:
        if data.get(key) is not None:
            data[key] = unseal(data[key]) if with_secrets else None
    payload = {
        "id": str(message.event_id),
        "type": message.type,
        "version": message.version,
        "timestamp": iso_z(message.occurred_at),
        "data": data,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def deliver_due(*, endpoint_id: int, budget_seconds: float = 2.0) -> int:
    """Send the endpoint's due deliveries in order, for up to ``budget_seconds``; returns how
    many attempts were made. Another worker already on the endpoint: returns 0 at once. A busy
    line then goes to the back of the queue, so more endpoints than worker threads take turns.

    The line is read and its outcomes recorded ``LINE_BATCH`` at a time (one transaction for a
    batch's attempts): sending is what a healthy receiver's pace should be bound by."""
    lease = durable.Lease(Endpoint, endpoint_id, seconds=LEASE_SECONDS)
    if not lease.take():
        return 0
    began, attempts, more = time.monotonic(), 0, False
    try:
        while True:
            endpoint = Endpoint.objects.filter(
                pk=endpoint_id, state=EndpointState.ACTIVE, deleted_at__isnull=True
            ).first()
            if endpoint is None:
                break
            line = list(
                Delivery.objects.filter(endpoint_id=endpoint_id, state=DeliveryState.PENDING)
                .select_related("message")
                .order_by("pk")[:LINE_BATCH]
            )
            if not line or line[0].next_attempt_at > timezone.now():
                break
            if time.monotonic() - began > budget_seconds:
                more = True
                break
            sent = _send_line(endpoint, line, lease)
            attempts += len(sent)
            if sent:
                _record(endpoint, sent)
            if not sent or not sent[-1][1].delivered:
                break  # the line waits for this one's retry (or the lease was lost)
    finally:
        lease.release()
    # A kick that came while the lease was held found it taken: look once more after letting go.
    if more or _head_due(endpoint_id):
        kick([endpoint_id], now=True)
    return attempts


def _head_due(endpoint_id: int) -> bool:
    head = (
        Delivery.objects.filter(
            endpoint_id=endpoint_id,
            state=DeliveryState.PENDING,
            endpoint__state=EndpointState.ACTIVE,
            endpoint__deleted_at__isnull=True,
        )
        .order_by("pk")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return head is not None and head <= timezone.now()


LINE_BATCH = 100


Sent = tuple[Delivery, egress.Outcome, datetime]


def _send_line(endpoint: Endpoint, line: list[Delivery], lease: durable.Lease) -> list[Sent]:
    """POST the line's deliveries one after another, up to the first that fails or is not due."""
    secret = unseal(endpoint.secret_sealed)
    sent: list[Sent] = []
    for delivery in line:
        if delivery.next_attempt_at > timezone.now() or lease.lost:
            break
        message_id = str(delivery.message.event_id)
        content = body(delivery.message, with_secrets=endpoint.with_secrets)
        started = timezone.now()
        outcome = egress.post(
            endpoint.url, content, signing.headers(secret, message_id, int(started.timestamp()), content)
        )
        sent.append((delivery, outcome, started))
        if not outcome.delivered:
            break
    return sent


@transaction.atomic
def _record(endpoint: Endpoint, sent: list[Sent]) -> None:
    insert_rows(
        [
            Attempt(
                tenant_id=endpoint.tenant_id,
                delivery=delivery,
                started_at=started,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
                response=outcome.response,
            )
            for delivery, outcome, started in sent
        ]
    )
    delivered = [delivery.pk for delivery, outcome, _started in sent if outcome.delivered]
    if delivered:
        now = timezone.now()
        Delivery.objects.filter(pk__in=delivered).update(
            state=DeliveryState.DELIVERED,
            attempts=F("attempts") + 1,
            first_attempt_at=Coalesce(F("first_attempt_at"), Value(sent[0][2])),
            finished_at=now,
        )
        if endpoint.state_reason:
            Endpoint.objects.filter(pk=endpoint.pk).update(state_reason="")
            endpoint.state_reason = ""
            clear_alarms(tenant_id=endpoint.tenant_id, kind=WEBHOOK_FAILING, subject=alarm_subject(endpoint))
    delivery, outcome, started = sent[-1]
    if not outcome.delivered:
        _settle(endpoint, delivery, outcome, started)


def _settle(endpoint: Endpoint, delivery: Delivery, outcome: egress.Outcome, started: datetime) -> None:
    """A failed attempt: retry on the schedule, or stop the endpoint (410, or 24 hours)."""
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or started
    fields = ["attempts", "first_attempt_at", "state", "next_attempt_at", "finished_at"]
    problem = f"HTTP {outcome.status_code}" if outcome.status_code else outcome.error
    if outcome.status_code == 410:
        # The receiver says the endpoint is gone: stop, keep this delivery first in line.
        delivery.save(update_fields=fields)
        _stop(endpoint, EndpointState.DISABLED, "the receiver answered 410 Gone")
        return
    again = BACKOFF.next_attempt(attempts=delivery.attempts, first_attempt_at=delivery.first_attempt_at)
    if again is None:
        delivery.state, delivery.finished_at = DeliveryState.FAILED, timezone.now()
        delivery.save(update_fields=fields)
        _stop(endpoint, EndpointState.PAUSED, f"a delivery failed for 24 hours (last: {problem})")
        return
    delivery.next_attempt_at = again
    delivery.save(update_fields=fields)
    reason = f"retrying: {problem}"[:300]
    if endpoint.state_reason != reason:
        Endpoint.objects.filter(pk=endpoint.pk).update(state_reason=reason)
        endpoint.state_reason = reason


def _stop(endpoint: Endpoint, state: str, reason: str) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(state=state, state_reason=reason[:300])
    raise_alarm(
        tenant_id=endpoint.tenant_id,
        kind=WEBHOOK_FAILING,
        subject=alarm_subject(endpoint),
        details={"endpoint_id": endpoint.pk, "url": endpoint.url, "state": state, "reason": reason},
        event={"endpoint_id": endpoint.pk, "url": endpoint.url, "state": state, "reason": reason},
    )
