"""The outbox relay, the fan-out to the apps following events, and their housekeeping."""

from __future__ import annotations

import logging

import dramatiq

from realtime import fanout, publisher
from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)


@periodic("* * * * *", second="*/2")
@dramatiq.actor(
    broker=broker,
    actor_name="realtime.relay_outbox",
    queue_name="realtime",
    # The next firing, two seconds later, is the retry; stale retries would only pile up.
    max_retries=0,
    time_limit=60 * 1000,
)
def relay_outbox() -> None:
    """Publish events whose after-commit publish never happened (crash, Redis outage).
    Idempotent: appending is deduplicated by event id."""
    publisher.relay_pending()


@periodic("* * * * *", second="*/2")
@dramatiq.actor(
    broker=broker,
    actor_name="realtime.fan_out",
    queue_name="realtime",
    max_retries=0,  # kicked after each commit that needs it, and swept every two seconds
    time_limit=60 * 1000,
)
def fan_out() -> None:
    """Hand events to the apps that follow them (webhooks, notifications, ...). Idempotent: a
    batch is handed over in the transaction that clears its marks."""
    fanout.fan_out()


@periodic("41 * * * *")
@dramatiq.actor(
    broker=broker,
    actor_name="realtime.purge_outbox",
    queue_name="housekeeping",
    max_retries=3,
    time_limit=10 * 60 * 1000,
)
def purge_outbox() -> None:
    """Published outbox rows older than the stream retention can go. Idempotent."""
    deleted = publisher.purge_published()
    logger.info("purged published outbox rows", extra={"deleted": deleted})
