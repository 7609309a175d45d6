"""What is queued: a delivery per subscribed endpoint for each event (in the event's own
transaction), the kicks that ask a worker to send, replays, and the log's purge."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial

import dramatiq
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import insert_rows
from domains.webhooks.models import Delivery, DeliveryState, Endpoint, EndpointState, Message
from realtime.models import OutboxEvent

logger = logging.getLogger(__name__)


KICK_EVERY = 0.2  # seconds: a process asks for an endpoint's delivery at most this often


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
_trailing: set[int] = set()
_lock = threading.Lock()


def kick(endpoint_ids: Iterable[int], *, now: bool = False) -> None:
    """Ask a worker to deliver these endpoints' due deliveries: at once, or, within
    ``KICK_EVERY`` of this process's last ask, once at the end of that window (a burst of sales
    costs one message per endpoint, and the last of them is never left for the sweep). Best
    effort: a kick lost to a crash or a broker outage is made up by the sweep every second."""
    at = time.monotonic()
    for pk in endpoint_ids:
        wait = KICK_EVERY - (at - _kicked.get(pk, -KICK_EVERY))
        if now or wait <= 0:
            _kicked[pk] = at
            _send(pk)
            continue
        with _lock:
            if pk in _trailing:
                continue  # the window's trailing ask is already set
            _trailing.add(pk)
        timer = threading.Timer(wait, _trail, args=(pk,))
        timer.daemon = True
        timer.start()


def _trail(pk: int) -> None:
    with _lock:
        _trailing.discard(pk)
    _kicked[pk] = time.monotonic()
    _send(pk)


def _send(pk: int) -> None:
    try:
        dramatiq.get_broker().get_actor("webhooks.deliver").send(pk)
    except Exception:
        logger.warning("webhook delivery not queued; the sweep will", extra={"endpoint_id": pk}, exc_info=True)


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
