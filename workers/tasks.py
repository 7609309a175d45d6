"""The job outbox's relay (workers.outbox)."""

from __future__ import annotations

import dramatiq

from workers import outbox
from workers.broker import broker
from workers.registry import periodic


@periodic("* * * * *", second="*/2")
@dramatiq.actor(
    broker=broker,
    actor_name="workers.relay_jobs",
    queue_name="realtime",
    max_retries=0,  # the next firing, two seconds later, is the retry
    time_limit=60 * 1000,
)
def relay_jobs() -> None:
    outbox.relay_pending()
