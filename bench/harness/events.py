"""Events written straight to the outbox and published (no service): backlogs and probes of the
realtime path itself."""

from __future__ import annotations

import time

from django.utils import timezone

from realtime import publisher
from realtime.models import OutboxEvent
from realtime.streams import streams


def _rows(tenant_id: int, names: range, label: str) -> list[OutboxEvent]:
    now = timezone.now()
    return [
        OutboxEvent(
            tenant_id=tenant_id,
            topic="organization",
            type="organization.updated",
            occurred_at=now,
            data={"name": f"{label} {n}", "timezone": "UTC"},
        )
        for n in names
    ]


def publish(tenant_id: int, names: range, label: str = "backlog") -> None:
    """``organization.updated`` events, one per name, written in one insert and published."""
    publisher.publish(OutboxEvent.objects.bulk_create(_rows(tenant_id, names, label)))


def append_cost(tenant_id: int, count: int = 500) -> float:
    """Microseconds of wall time for one event's publish from this process, one event a call."""
    store = streams()
    began = time.perf_counter()
    for row in _rows(tenant_id, range(count), "probe"):
        store.append([row])
    return round((time.perf_counter() - began) / count * 1e6, 1)
