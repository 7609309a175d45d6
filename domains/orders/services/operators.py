"""What staff may do to an order: cancel it, or dispatch it again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import Conflict
from core.models import User
from domains.orders.models import (
    ACTIVE,
    AttemptKind,
    FailureReason,
    Order,
    OrderStatus,
    Outcome,
)
from domains.orders.services.lifecycle import locked, record_attempt, schedule_next, transition


def cancel(*, order: Order, actor: User, now: datetime | None = None) -> Order:
    """Cancel an order the provider has not taken yet."""
    now = now or timezone.now()
    with transaction.atomic():
        order = locked(order.pk)
        if order.status != OrderStatus.CREATED:
            raise Conflict(
                gettext("This order cannot be cancelled: the provider already has it.")
                if order.status in ACTIVE
                else gettext("This order cannot be cancelled: it is %(status)s.")
                % {"status": order.get_status_display()},
                code="order_not_cancellable",
                status=order.status,
            )
        if order.lease_until and order.lease_until > now:
            raise Conflict(
                gettext("The order is being dispatched right now; retry in a few seconds."), code="order_busy"
            )
        before = order.status
        transition(order, OrderStatus.CANCELLED, now=now, actor_id=actor.pk)
        order.save()
        record_attempt(order, AttemptKind.CANCEL, now=now, outcome=Outcome.DONE, before=before, actor=actor)
    return order


def retry(*, order: Order, actor: User, now: datetime | None = None) -> Order:
    """Give a failed order another go with a fresh deadline. An order the provider refused or
    failed is sent again as a new provider order; one that timed out while the provider had it
    resumes status checks on that same order, so it can never be fulfilled twice."""
    now = now or timezone.now()
    with transaction.atomic():
        order = locked(order.pk)
        before = order.status
        if before != OrderStatus.FAILED:
            raise Conflict(
                gettext("Only failed orders can be retried; this one is %(status)s.") % {"status": before},
                code="order_not_retryable",
            )
        order.deadline_at = now + timedelta(seconds=order.provider.deadline_seconds)
        order.finished_at = None
        order.consecutive_errors = 0
        if order.failure_reason == FailureReason.TIMEOUT and order.provider_reference:
            order.checks = 0
            transition(order, OrderStatus.DISPATCHED, now=now, actor_id=actor.pk)
        else:
            order.dispatch_round += 1
            order.provider_reference = None
            order.dispatched_at = None
            order.dispatch_attempts = 0
            order.checks = 0
            transition(order, OrderStatus.CREATED, now=now, actor_id=actor.pk)
        order.next_action_at = now
        order.save()
        record_attempt(order, AttemptKind.RETRY, now=now, outcome=Outcome.DONE, before=before, actor=actor)
        schedule_next(order, now)
    return order
