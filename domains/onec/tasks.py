"""The 1C exchange as Dramatiq actors (on each connection's schedule, and on demand), and
sending agents' orders and finished visits to 1C."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dramatiq
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.models import Organization
from domains.onec import services
from domains.onec.models import Connection, Exchange
from workers.broker import broker
from workers.registry import periodic
from workers.retrying import retry_quietly_on


@dramatiq.actor(
    broker=broker,
    actor_name="onec.exchange",
    queue_name="integrations",
    max_retries=0,  # the next scheduled run is the retry; a failed run is in the journal
    time_limit=30 * 60 * 1000,
)
def exchange(tenant_id: int, trigger: str = "schedule") -> None:
    tenant = Organization.objects.filter(pk=tenant_id).first()
    if tenant is not None:
        services.run_exchange(tenant=tenant, trigger=trigger)


@periodic("* * * * *")
@dramatiq.actor(
    broker=broker, actor_name="onec.schedule", queue_name="housekeeping", max_retries=0, time_limit=60 * 1000
)
def schedule() -> None:
    """Queue an exchange for every enabled connection whose interval has passed since its last."""
    now = timezone.now()
    last = Exchange.objects.filter(tenant_id=OuterRef("tenant_id")).order_by("-started_at").values("started_at")[:1]
    connections = Connection.objects.filter(enabled=True).annotate(last=Subquery(last))
    for connection in connections:
        if connection.last is None or connection.last + timedelta(minutes=connection.interval_minutes) <= now:
            exchange.send(connection.tenant_id, "schedule")


# Documents to 1C: backoff doubling from 5 s to 10 min, about six hours of trying; then the
# journal says it was given up on.
SENDING = {
    "queue_name": "integrations",
    "max_retries": 40,
    "min_backoff": 5_000,
    "max_backoff": 600_000,
    "time_limit": 5 * 60 * 1000,
    "on_retry_exhausted": "onec.gave_up",
}


@dramatiq.actor(broker=broker, actor_name="onec.send_field_order", **SENDING)
@retry_quietly_on(services.NotSent)
def send_field_order(order_id: int) -> None:
    services.send_field_order(order_id=order_id)


@dramatiq.actor(broker=broker, actor_name="onec.send_visit", **SENDING)
@retry_quietly_on(services.NotSent)
def send_visit(visit_id: int) -> None:
    services.send_visit(visit_id=visit_id)


@dramatiq.actor(
    broker=broker, actor_name="onec.gave_up", queue_name="integrations", max_retries=3, time_limit=60 * 1000
)
def gave_up(message: dict[str, Any], retries: dict[str, Any]) -> None:
    services.give_up(
        actor_name=message["actor_name"], args=list(message["args"]), attempts=int(retries.get("retries", 0))
    )
