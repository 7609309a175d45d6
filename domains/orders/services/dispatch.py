"""The work: sending an order to its provider, checking its status, and timing it out."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from domains.orders import policy
from domains.orders.models import (
    ACTIVE,
    AttemptKind,
    FailureReason,
    Order,
    OrderStatus,
    Outcome,
)
from domains.orders.providers import adapter_for
from domains.orders.providers.base import (
    Answer,
    ProviderError,
    ProviderRejected,
    SubmitRequest,
)
from domains.orders.services.lifecycle import (
    apply_answer,
    claim,
    load,
    locked,
    provider_health,
    record_attempt,
    schedule_next,
    transition,
)


def _ask(call: Callable[[], Answer]) -> tuple[Answer | None, ProviderError | None, int]:
    """Call the provider: its answer or its error, and how long it took (ms)."""
    started = time.monotonic()
    try:
        answer, error = call(), None
    except ProviderError as exc:
        answer, error = None, exc
    return answer, error, int((time.monotonic() - started) * 1000)


def _settled_meanwhile(order: Order, kind: str, *, now: datetime, latency_ms: int) -> Order:
    """A webhook or an operator settled the order while we were asking: record and let go."""
    order.save(update_fields=["lease_until", "updated_at"])
    record_attempt(order, kind, now=now, outcome=Outcome.IGNORED, before=order.status, latency_ms=latency_ms)
    return order


def dispatch(order_id: int, *, now: datetime | None = None) -> Order | None:
    """Send a created order to its provider. Returns the settled order, or None if there was
    nothing to do (not due, leased by another worker, or no longer waiting for dispatch)."""
    now = now or timezone.now()
    order = load(order_id)
    if order is None or not claim(order, statuses=(OrderStatus.CREATED,), now=now, dispatching=True):
        return None
    if now >= order.deadline_at:
        return expire(order_id, now=now)
    answer, error, latency = _ask(_submission(order))
    with transaction.atomic():
        order = locked(order_id)
        before = order.status
        order.lease_until = None
        if before != OrderStatus.CREATED:
            return _settled_meanwhile(order, AttemptKind.DISPATCH, now=now, latency_ms=latency)
        outcome = _dispatched(order, answer, error, now=now)
        order.save()
        record_attempt(
            order,
            AttemptKind.DISPATCH,
            now=now,
            outcome=outcome,
            before=before,
            latency_ms=latency,
            error=error,
            answer=answer,
        )
        schedule_next(order, now)
    # A refusal is a healthy answer about a bad order, not a provider error.
    provider_health(order.provider, None if isinstance(error, ProviderRejected) else error, now=now)
    return order


def _submission(order: Order) -> Callable[[], Answer]:
    """The provider call for this dispatch: a retried dispatch first asks whether an earlier
    attempt reached the provider, so an order is never submitted twice."""
    adapter = adapter_for(order.provider)
    request = SubmitRequest(
        key=order.provider_key,
        product_code=order.product.code,
        package_code=order.package.code,
        account=order.account,
        extra=order.extra,
    )

    def send() -> Answer:
        if order.dispatch_attempts > 1:
            found = adapter.lookup(request.key)
            if found is not None:
                return found
        return adapter.submit(request)

    return send


def _dispatched(order: Order, answer: Answer | None, error: ProviderError | None, *, now: datetime) -> str:
    """Apply the provider's answer to a dispatch (the order is locked); returns the outcome."""
    if isinstance(error, ProviderRejected):
        transition(order, OrderStatus.FAILED, now=now, reason=FailureReason.REJECTED, message=error.message)
        return Outcome.REJECTED
    if error is not None:
        order.consecutive_errors += 1
        delay = policy.dispatch_delay(order.provider, order.dispatch_attempts)
        order.next_action_at = policy.next_due(now, delay, order.deadline_at)
        return Outcome.ERROR
    order.consecutive_errors = 0
    apply_answer(order, answer, now=now)
    order.next_action_at = (
        policy.next_due(now, policy.check_delay(order.provider, 0), order.deadline_at)
        if order.status in ACTIVE
        else None
    )
    return answer.status


def check(order_id: int, *, now: datetime | None = None) -> Order | None:
    """Ask the provider how a dispatched order is doing; schedule the next check with back-off, or
    fail the order if the deadline has come."""
    now = now or timezone.now()
    order = load(order_id)
    statuses = (OrderStatus.DISPATCHED, OrderStatus.PROCESSING)
    if order is None or not claim(order, statuses=statuses, now=now):
        return None
    adapter = adapter_for(order.provider)

    def ask() -> Answer:
        if order.provider_reference:
            return adapter.status(key=order.provider_key, reference=order.provider_reference)
        found = adapter.lookup(order.provider_key)
        if found is None:
            raise ProviderRejected("the provider does not know this order", http_status=404)
        return found

    answer, error, latency = _ask(ask)
    with transaction.atomic():
        order = locked(order_id)
        before = order.status
        order.lease_until = None
        if before not in statuses:
            return _settled_meanwhile(order, AttemptKind.CHECK, now=now, latency_ms=latency)
        order.checks += 1
        order.last_checked_at = now
        if error is not None:
            order.consecutive_errors += 1
            outcome = Outcome.ERROR
        else:
            order.consecutive_errors = 0
            apply_answer(order, answer, now=now)
            outcome = answer.status
        if order.status in ACTIVE:
            if now >= order.deadline_at:
                _timeout(order, now=now)
            else:
                delay = policy.check_delay(order.provider, order.checks)
                order.next_action_at = policy.next_due(now, delay, order.deadline_at)
        order.save()
        record_attempt(
            order,
            AttemptKind.CHECK,
            now=now,
            outcome=outcome,
            before=before,
            latency_ms=latency,
            error=error,
            answer=answer,
        )
        schedule_next(order, now)
    provider_health(order.provider, error, now=now)
    return order


def _timeout(order: Order, *, now: datetime) -> None:
    hours = order.provider.deadline_seconds / 3600
    transition(
        order,
        OrderStatus.FAILED,
        now=now,
        reason=FailureReason.TIMEOUT,
        message=f"The provider did not complete the order within {hours:g} h.",
    )


def expire(order_id: int, *, now: datetime | None = None) -> Order:
    """Fail a pending order whose deadline has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        order = locked(order_id)
        before = order.status
        order.lease_until = None
        if before in ACTIVE:
            _timeout(order, now=now)
        order.save()
        outcome = Outcome.FAILED if before in ACTIVE else Outcome.IGNORED
        record_attempt(order, AttemptKind.TIMEOUT, now=now, outcome=outcome, before=before)
    return order
