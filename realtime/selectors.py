"""Reads about the realtime layer, for the status endpoint, the command and /metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from realtime.hub import local_hubs
from realtime.models import OutboxEvent
from realtime.streams import streams


def outbox_lag(*, tenant_id: int | None = None) -> dict[str, Any]:
    """Pending rows and the age in seconds of the oldest one (0 when none)."""
    pending = OutboxEvent.objects.filter(published_at__isnull=True)
    if tenant_id is not None:
        pending = pending.filter(tenant_id=tenant_id)
    oldest = pending.order_by("pk").values_list("occurred_at", flat=True).first()
    age = (timezone.now() - oldest) if oldest else timedelta(0)
    return {"pending": pending.count(), "oldest_age_seconds": round(max(age.total_seconds(), 0.0), 3)}


def local_sockets(*, tenant_id: int | None = None) -> tuple[int, dict[str, int]]:
    """Sockets and subscriptions per topic held by this process (optionally for one tenant)."""
    connections = 0
    topics: dict[str, int] = {}
    for hub in local_hubs():
        # The hub lives on the event loop thread; copy before iterating from this one.
        for conn in list(hub.connections):
            identity = conn.identity
            if identity is None or (tenant_id is not None and identity.tenant_id != tenant_id):
                continue
            connections += 1
            for topic in list(conn.subs):
                topics[topic] = topics.get(topic, 0) + 1
    return connections, topics


def tenant_status(*, tenant_id: int) -> dict[str, Any]:
    connections, subscribed = local_sockets(tenant_id=tenant_id)
    lengths = {s["topic"]: s["length"] for s in streams().stream_stats(tenant_id)}
    lag = outbox_lag(tenant_id=tenant_id)
    return {
        "connections": connections,
        "topics": [
            {"topic": topic, "length": lengths.get(topic, 0), "subscriptions": subscribed.get(topic, 0)}
            for topic in sorted(set(lengths) | set(subscribed))
        ],
        "outbox_pending": lag["pending"],
        "outbox_oldest_age_seconds": lag["oldest_age_seconds"],
    }
