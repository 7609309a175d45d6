"""An order's transitions and their events, the attempts log, its next job, and the lease that
lets exactly one worker do a piece of work."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from core.models import User
from core.secrets import Sealed, seal
from core.timezones import iso_z
from domains.alarms.api import raise_alarm
from domains.orders import events, jobs
from domains.orders.alarms import PROVIDER_ERRORS
from domains.orders.models import (
    ACTIVE,
    FailureReason,
    Order,
    OrderAttempt,
    OrderStatus,
    Provider,
)
from domains.orders.providers.base import (
    ACCEPTED,
    COMPLETED,
    FAILED,
    PROCESSING,
    Answer,
    ProviderError,
)
from realtime.events import emit_many
from workers import outbox

logger = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=2)  # a message may run a moment before its due time on another host
LEASE_MARGIN_SECONDS = 10
LEASE_RETRY_SLACK_SECONDS = 0.5  # past a lease's end before its work is tried again


def announce(order: Order, *, previous: str | None, now: datetime, actor_id: int | None = None) -> None:
    batch = [
        dict(
            tenant_id=order.tenant_id,
            type=events.STATUS_CHANGED.name,
            actor_id=actor_id,
            roles=events.STAFF_AUDIENCE,
            users=[order.customer_id],
            data={
                "order_id": order.pk,
                "customer_id": order.customer_id,
                "status": order.status,
                "previous_status": previous,
                "version": order.version,
                "reason": order.failure_reason,
                "message": order.failure_message,
                "provider_reference": order.provider_reference,
                "at": iso_z(now),
            },
        )
    ]
    if order.status == OrderStatus.COMPLETED:
        batch.append(
            dict(
                tenant_id=order.tenant_id,
                type=events.PIN_READY.name,
                roles=events.PIN_AUDIENCE,
                users=[order.customer_id],
                data={
                    "order_id": order.pk,
                    "customer_id": order.customer_id,
                    "pin": Sealed(order.pin_sealed),
                    "completed_at": iso_z(order.completed_at),
                },
            )
        )
    emit_many(batch)


def transition(
    order: Order,
    status: str,
    *,
    now: datetime,
    reason: str = "",
    message: str = "",
    actor_id: int | None = None,
) -> None:
    previous = order.status
    order.status = status
    order.version += 1
    order.failure_reason, order.failure_message = reason, message[:500]
    if status in (OrderStatus.COMPLETED, OrderStatus.FAILED, OrderStatus.CANCELLED):
        order.finished_at = now
        order.next_action_at = None
    announce(order, previous=previous, now=now, actor_id=actor_id)


def record_attempt(
    order: Order,
    kind: str,
    *,
    now: datetime,
    outcome: str,
    before: str,
    latency_ms: int | None = None,
    error: ProviderError | None = None,
    answer: Answer | None = None,
    message: str = "",
    actor: User | None = None,
) -> None:
    source = error or answer
    OrderAttempt.objects.create(
        tenant_id=order.tenant_id,
        order=order,
        kind=kind,
        at=now,
        latency_ms=latency_ms,
        endpoint=getattr(source, "endpoint", "") or "",
        outcome=outcome,
        http_status=getattr(source, "http_status", None),
        message=(message or (error.message if error else (answer.reason if answer else "")))[:500],
        status_before=before,
        status_after=order.status,
        actor=actor,
    )


def schedule_next(order: Order, now: datetime) -> None:
    """Send the message for the order's next piece of work, due at ``next_action_at``."""
    if order.status not in ACTIVE or order.next_action_at is None:
        return
    delay = max((order.next_action_at - now).total_seconds(), 0.0)
    send_action(order.pk, order.status, delay)


def send_action(order_id: int, status: str, delay_seconds: float = 0.0) -> None:
    """Queue the order's next job through the job outbox: written with the transaction that
    made it due, sent after commit, never lost to a crash in between."""
    outbox.enqueue(
        jobs.DISPATCH if status == OrderStatus.CREATED else jobs.CHECK, order_id, delay_seconds=delay_seconds
    )


def load(order_id: int) -> Order | None:
    return Order.objects.select_related("provider", "product", "package").filter(pk=order_id).first()


def claim(order: Order, *, statuses: tuple[str, ...], now: datetime, dispatching: bool = False) -> bool:
    """Take the order's lease if its work is due and nobody holds it: one UPDATE, so of two
    workers (or a message and its duplicate) exactly one proceeds."""
    lease = timedelta(seconds=order.provider.timeout_seconds * 2 + LEASE_MARGIN_SECONDS)
    changes: dict = {"lease_until": now + lease}
    if dispatching:
        changes["dispatch_attempts"] = F("dispatch_attempts") + 1
    claimed = (
        Order.objects.filter(pk=order.pk, status__in=statuses, next_action_at__lte=now + CLOCK_SKEW)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(**changes)
    )
    if claimed and dispatching:
        order.dispatch_attempts += 1
    elif not claimed:
        _after_lease(order, statuses=statuses, now=now)
    return bool(claimed)


def _after_lease(order: Order, *, statuses: tuple[str, ...], now: datetime) -> None:
    """Due work found leased: the holder may be a worker that was killed mid-call, whose
    redelivered message is this one. Come back when the lease ends, so the work never waits for
    the sweep; if the holder was alive, the work is no longer due then and the message ends."""
    if order.status in statuses and order.lease_until and order.lease_until > now and order.next_action_at <= now:
        send_action(order.pk, order.status, (order.lease_until - now).total_seconds() + LEASE_RETRY_SLACK_SECONDS)


def locked(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("provider").get(pk=order_id)


def apply_answer(order: Order, answer: Answer, *, now: datetime) -> None:
    """Move the order to what the provider reported (never backwards)."""
    if answer.reference and not order.provider_reference:
        order.provider_reference = answer.reference
    if order.dispatched_at is None:
        order.dispatched_at = now
    if answer.status == COMPLETED:
        order.pin_sealed = seal(answer.pin or "")
        order.completed_at = now
        transition(order, OrderStatus.COMPLETED, now=now)
    elif answer.status == FAILED:
        transition(
            order, OrderStatus.FAILED, now=now, reason=FailureReason.PROVIDER_FAILED, message=answer.reason or "failed"
        )
    elif answer.status == PROCESSING and order.status != OrderStatus.PROCESSING:
        transition(order, OrderStatus.PROCESSING, now=now)
    elif answer.status == ACCEPTED and order.status == OrderStatus.CREATED:
        transition(order, OrderStatus.DISPATCHED, now=now)


def provider_health(provider: Provider, error: ProviderError | None, *, now: datetime) -> None:
    """Count consecutive errors per provider; at the threshold (and every threshold more) raise an
    alarm, one per outage. Any good answer ends the outage."""
    if error is None:
        Provider.objects.filter(pk=provider.pk, consecutive_errors__gt=0).update(
            consecutive_errors=0, failing_since=None
        )
        return
    Provider.objects.filter(pk=provider.pk).update(
        consecutive_errors=F("consecutive_errors") + 1, failing_since=Coalesce(F("failing_since"), now)
    )
    count, since = Provider.objects.values_list("consecutive_errors", "failing_since").get(pk=provider.pk)
    threshold = provider.error_alarm_threshold
    if not threshold or count < threshold or count % threshold:
        return
    raise_alarm(
        tenant_id=provider.tenant_id,
        kind=PROVIDER_ERRORS,
        subject=f"provider-{provider.pk}-{since:%Y%m%dT%H%M%S}",
        details={"provider_id": provider.pk, "consecutive_errors": count, "last_error": error.message},
        event={
            "provider_id": provider.pk,
            "provider_name": provider.name,
            "consecutive_errors": count,
            "failing_since": iso_z(since),
            "last_error": error.message,
        },
    )
    logger.error("provider failing", extra={"provider_id": provider.pk, "consecutive_errors": count})
