"""Webhooks as Dramatiq actors: delivering an endpoint's line, the sweep that picks up lines
whose kick was lost or whose retry came due, and the delivery log's purge."""

from __future__ import annotations

import dramatiq

from domains.webhooks import services
from workers.broker import broker
from workers.registry import periodic


@dramatiq.actor(
    broker=broker,
    actor_name="webhooks.deliver",
    queue_name="webhooks",
    max_retries=0,  # a failed attempt is retried on the endpoint's schedule, not by Dramatiq
    time_limit=5 * 60 * 1000,
)
def deliver(endpoint_id: int) -> None:
    services.deliver_due(endpoint_id=endpoint_id)


@periodic("* * * * *", second="*")
@dramatiq.actor(broker=broker, actor_name="webhooks.sweep", queue_name="webhooks", max_retries=0, time_limit=30 * 1000)
def sweep() -> None:
    services.kick(services.due_endpoints(), now=True)


@periodic("23 3 * * *")
@dramatiq.actor(
    broker=broker, actor_name="webhooks.purge", queue_name="housekeeping", max_retries=0, time_limit=30 * 60 * 1000
)
def purge() -> None:
    services.purge()
