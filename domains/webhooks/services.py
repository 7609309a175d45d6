"""Webhooks' writes: endpoints, a delivery per subscribed endpoint for each event (written in
the event's own transaction), delivering an endpoint's deliveries in order, and replays.

Delivery is at least once. A worker holds an endpoint's lease while it sends, one delivery at a
time in id order; a delivery waiting for its retry holds back the ones after it, so a receiver
sees events in the order they were committed. A worker killed mid-send leaves its lease to
expire; the next one sends that delivery again, with the same ``webhook-id`` (the event id),
which is what receivers deduplicate on.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import dramatiq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from core import egress
from core.bulk import insert_rows
from core.egress_guard import Refused, check
from core.models import Organization, User
from core.secrets import seal, unseal
from core.timezones import iso_z
from domains.alarms.api import AlarmKind, clear_alarms, raise_alarm
from domains.webhooks import signing
from domains.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint, EndpointState, Message
from realtime.events import EVENT_TYPES
from realtime.models import OutboxEvent

logger = logging.getLogger(__name__)

# Seconds from one failed attempt to the next: about 24 hours in all, then the delivery fails.
RETRY_SCHEDULE = (5, 30, 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800)
GIVE_UP_AFTER = timedelta(hours=24)
KICK_EVERY = 0.2  # seconds: a process asks for an endpoint's delivery at most this often


def _invalid(field: str, code: str, message: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


def _check_url(url: str) -> None:
    try:
        check(url)
    except Refused as exc:
        raise _invalid("url", exc.code, str(exc)) from exc


def _check_types(types: Sequence[str]) -> list[str]:
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise _invalid("event_types", "unknown_event_type", f"Not in the event catalogue: {', '.join(unknown)}.")
    return sorted(set(types))


@transaction.atomic
def endpoint_create(
    *,
    tenant: Organization,
    actor: User,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    with_secrets: bool = False,
) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret (shown once; stored sealed)."""
    _check_url(url)
    secret = signing.new_secret()
    endpoint = Endpoint.objects.create(
        tenant=tenant,
        url=url,
        description=description,
        event_types=_check_types(event_types),
        with_secrets=with_secrets,
        secret_sealed=seal(secret),
        created_by=actor,
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change the URL, the event types, the description, ``with_secrets``, or the state:
    ``active`` resumes a paused or disabled endpoint where its deliveries stopped."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes and changes["url"] != endpoint.url:
        _check_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _check_types(changes["event_types"])
    resumed = changes.get("state") == EndpointState.ACTIVE and endpoint.state != EndpointState.ACTIVE
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if "state" in changes:
        endpoint.state_reason = "" if changes["state"] == EndpointState.ACTIVE else "paused by an admin"
    endpoint.save()
    if resumed:
        clear_alarms(tenant_id=endpoint.tenant_id, kind=AlarmKind.WEBHOOK_FAILING, subject=_subject(endpoint))
        transaction.on_commit(partial(kick, [endpoint.pk]))
    return endpoint


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Soft: the delivery log stays readable; nothing more is queued or sent."""
    Endpoint.objects.filter(pk=endpoint.pk).update(deleted_at=timezone.now(), state=EndpointState.PAUSED)


def rotate_secret(*, endpoint: Endpoint) -> str:
    """A new signing secret, in force for the next attempt; the old one stops at once."""
    secret = signing.new_secret()
    Endpoint.objects.filter(pk=endpoint.pk).update(secret_sealed=seal(secret), updated_at=timezone.now())
    return secret


def queue_events(rows: Sequence[OutboxEvent]) -> None:
    """The outbox hook (realtime.events.on_emit): inside the emitting transaction, one message
    per event some endpoint wants and one delivery per such endpoint, so a committed event is
    never missed by a crash, and a rolled-back one never sent."""
    tenants = {row.tenant_id for row in rows}
    endpoints = list(
        Endpoint.objects.filter(tenant_id__in=tenants, deleted_at__isnull=True).values_list(
            "pk", "tenant_id", "event_types"
        )
    )
    if not endpoints:
        return
    wanted = [
        (row, [pk for pk, tenant_id, types in endpoints if tenant_id == row.tenant_id and row.type in types])
        for row in rows
    ]
    wanted = [(row, targets) for row, targets in wanted if targets]
    if not wanted:
        return
    messages = insert_rows(
        [
            Message(
                tenant_id=row.tenant_id,
                event_id=row.event_id,
                type=row.type,
                version=row.version,
                occurred_at=row.occurred_at,
                data=row.data,
                sealed=list(row.audience.get("sealed", [])),
            )
            for row, _targets in wanted
        ]
    )
    now = timezone.now()
    insert_rows(
        [
            Delivery(tenant_id=message.tenant_id, endpoint_id=pk, message=message, next_attempt_at=now)
            for message, (_row, targets) in zip(messages, wanted, strict=True)
            for pk in targets
        ]
    )
    transaction.on_commit(partial(kick, sorted({pk for _row, targets in wanted for pk in targets})))


_kicked: dict[int, float] = {}


def kick(endpoint_ids: Iterable[int], *, now: bool = False) -> None:
    """Ask a worker to deliver these endpoints' due deliveries. Best effort: a kick lost to a
    crash or a broker outage is made up by the sweep every second (``tasks.sweep``)."""
    actor = dramatiq.get_broker().get_actor("webhooks.deliver")
    at = time.monotonic()
    for pk in endpoint_ids:
        if not now and at - _kicked.get(pk, -KICK_EVERY) < KICK_EVERY:
            continue  # one asked already; the worker takes every delivery due when it runs
        _kicked[pk] = at
        try:
            actor.send(pk)
        except Exception:
            logger.warning("webhook delivery not queued; the sweep will", extra={"endpoint_id": pk}, exc_info=True)
            return


def due_endpoints(*, limit: int = 1000) -> list[int]:
    """Active endpoints with a delivery due and no worker on them (for the sweep)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(endpoint__state=EndpointState.ACTIVE, endpoint__deleted_at__isnull=True)
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))
        .values_list("endpoint_id", flat=True)
        .distinct()[:limit]
    )


LEASE_SECONDS = 6.0  # a killed worker's endpoints wait this long at most for another
RENEW_EVERY = 2.0


def _take_lease(endpoint_id: int, owner: str) -> bool:
    now = timezone.now()
    return bool(
        Endpoint.objects.filter(pk=endpoint_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_until=now + timedelta(seconds=LEASE_SECONDS), lease_owner=owner)
    )


def _release_lease(endpoint_id: int, owner: str) -> None:
    Endpoint.objects.filter(pk=endpoint_id, lease_owner=owner).update(lease_until=None, lease_owner="")


class _Lease:
    """The endpoint's lease, renewed by a thread of its own every ``RENEW_EVERY`` seconds while
    held, however long a send takes: a kill -9 stops the renewals, and the endpoint is free
    ``LEASE_SECONDS`` later."""

    def __init__(self, endpoint_id: int) -> None:
        self.endpoint_id, self.owner = endpoint_id, uuid.uuid4().hex
        self.done = threading.Event()
        self.lost = False  # another worker took the endpoint over: stop sending
        self.thread: threading.Thread | None = None

    def take(self) -> bool:
        if not _take_lease(self.endpoint_id, self.owner):
            return False
        self.thread = threading.Thread(target=self._renew, name="webhook-lease", daemon=True)
        self.thread.start()
        return True

    def _renew(self) -> None:
        try:
            while not self.done.wait(RENEW_EVERY):
                if not _take_lease(self.endpoint_id, self.owner):
                    self.lost = True
                    return
        finally:
            connection.close()  # this thread's own

    def release(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        _release_lease(self.endpoint_id, self.owner)


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
    lease = _Lease(endpoint_id)
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


def _send_line(endpoint: Endpoint, line: list[Delivery], lease: _Lease) -> list[Sent]:
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
            clear_alarms(tenant_id=endpoint.tenant_id, kind=AlarmKind.WEBHOOK_FAILING, subject=_subject(endpoint))
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
    if timezone.now() - delivery.first_attempt_at >= GIVE_UP_AFTER or delivery.attempts > len(RETRY_SCHEDULE):
        delivery.state, delivery.finished_at = DeliveryState.FAILED, timezone.now()
        delivery.save(update_fields=fields)
        _stop(endpoint, EndpointState.PAUSED, f"a delivery failed for 24 hours (last: {problem})")
        return
    wait = RETRY_SCHEDULE[delivery.attempts - 1] * random.uniform(0.9, 1.1)
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
    delivery.save(update_fields=fields)
    reason = f"retrying: {problem}"[:300]
    if endpoint.state_reason != reason:
        Endpoint.objects.filter(pk=endpoint.pk).update(state_reason=reason)
        endpoint.state_reason = reason


def _subject(endpoint: Endpoint) -> str:
    return f"endpoint:{endpoint.pk}"


def _stop(endpoint: Endpoint, state: str, reason: str) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(state=state, state_reason=reason[:300])
    raise_alarm(
        tenant_id=endpoint.tenant_id,
        kind=AlarmKind.WEBHOOK_FAILING,
        subject=_subject(endpoint),
        message=f"Webhook endpoint {endpoint.url} is {state}: {reason}.",
        details={"endpoint_id": endpoint.pk, "url": endpoint.url, "state": state, "reason": reason},
        event={"endpoint_id": endpoint.pk, "url": endpoint.url, "state": state, "reason": reason},
    )


@transaction.atomic
def replay_delivery(*, delivery: Delivery) -> Delivery:
    """The delivery's message again, at the end of the endpoint's line."""
    again = Delivery.objects.create(
        tenant_id=delivery.tenant_id,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        next_attempt_at=timezone.now(),
        replay_of=delivery,
    )
    transaction.on_commit(partial(kick, [delivery.endpoint_id]))
    return again


@transaction.atomic
def replay_range(*, endpoint: Endpoint, since: datetime, until: datetime) -> int:
    """Every message the endpoint was sent (or due) with an event time in [since, until), again
    and in order, after its current line; returns how many."""
    messages = (
        Message.objects.filter(
            tenant_id=endpoint.tenant_id, occurred_at__gte=since, occurred_at__lt=until, pk__in=_sent_messages(endpoint)
        )
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = insert_rows(
        [
            Delivery(tenant_id=endpoint.tenant_id, endpoint_id=endpoint.pk, message_id=pk, next_attempt_at=now)
            for pk in messages.iterator(chunk_size=2000)
        ]
    )
    transaction.on_commit(partial(kick, [endpoint.pk]))
    return len(rows)


def _sent_messages(endpoint: Endpoint):  # type: ignore[no-untyped-def]
    return Delivery.objects.filter(endpoint=endpoint, replay_of__isnull=True).values("message_id")


def purge(*, older_than_days: int | None = None) -> int:
    """Finished deliveries (and their attempts) past the log's retention, then messages no
    delivery needs any more."""
    days = settings.WEBHOOKS_LOG_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Delivery.objects.filter(finished_at__lt=cutoff).exclude(state=DeliveryState.PENDING).delete()
    Message.objects.filter(occurred_at__lt=cutoff).exclude(pk__in=Delivery.objects.values("message_id")).delete()
    return deleted
