"""What is queued: a delivery per subscribed endpoint for each event (handed over once by
``realtime.fanout``), the kicks that ask a worker to send, replays, and the log's purge."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import insert_rows
from domains.webhooks.models import Delivery, DeliveryState, Endpoint, EndpointState, Message
from realtime.audience import INTEGRATION, sees
from realtime.models import OutboxEvent
from workers import delivery as durable


def subscriptions() -> Iterator[tuple[int | None, str]]:
    """The fan-out's view of what endpoints want: (organization, event type) pairs."""
    for tenant_id, types in Endpoint.objects.filter(deleted_at__isnull=True).values_list("tenant_id", "event_types"):
        for name in types:
            yield tenant_id, name


def queue_events(rows: Sequence[OutboxEvent]) -> None:
    """The fan-out follower: one message per event some endpoint wants (and may see, as the
    organization's integration) and one delivery per such endpoint, in the fan-out's transaction,
    so each committed event is queued exactly once."""
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
        if sees(INTEGRATION, row.topic, row.audience)
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


KICKER = durable.Kicker("webhooks.deliver", every=0.2)


def kick(endpoint_ids: Iterable[int], *, now: bool = False) -> None:
    """Ask a worker to deliver these endpoints' due deliveries: at once, or, within 0.2 s of this
    process's last ask, once at the end of that window (a burst of sales costs one message per
    endpoint, and the last of them is never left for the sweep). Best effort: a lost kick is made
    up by the sweep every second."""
    KICKER.kick(endpoint_ids, now=now)


def due_endpoints(*, limit: int = 1000) -> list[int]:
    """Active endpoints with a delivery due and no worker on them (for the sweep)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(endpoint__state=EndpointState.ACTIVE, endpoint__deleted_at__isnull=True)
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))  # nobody on it
        .values_list("endpoint_id", flat=True)
        .distinct()[:limit]
    )


# A replayed delivery starts over: pending, no attempts yet.
FRESH = {"state": DeliveryState.PENDING, "attempts": 0, "first_attempt_at": None, "finished_at": None}


@transaction.atomic
def replay_delivery(*, delivery: Delivery) -> Delivery:
    """The delivery's message again, at the end of the endpoint's line."""
    again = durable.replay(delivery, reset=FRESH)
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
