"""The sweep: re-sending work whose message was lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from domains.orders.models import (
    ACTIVE,
    Order,
    WebhookReceipt,
)
from domains.orders.services.lifecycle import send_action
from domains.orders.services.webhooks import WEBHOOK_TOLERANCE

SWEEP_GRACE = timedelta(seconds=60)


def sweep(*, now: datetime | None = None, limit: int = 100) -> int:
    """Re-send work for up to ``limit`` pending orders overdue by more than a minute (their message
    was lost: Redis flushed, a worker killed before the broker requeued it). Sending twice is safe:
    the claim lets one message through. Returns how many were re-sent."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status__in=ACTIVE, next_action_at__lte=now - SWEEP_GRACE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .order_by("next_action_at")
        .values_list("pk", "status")[:limit]
    )
    for order_id, status in due:
        send_action(order_id, status)
    WebhookReceipt.objects.filter(received_at__lt=now - 2 * WEBHOOK_TOLERANCE).delete()
    return len(due)
