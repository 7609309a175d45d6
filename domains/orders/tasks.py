"""Order jobs: dispatch, status checks, and the sweep that re-sends lost work.

The actors never rely on Dramatiq's own retries for timing (its back-off adds jitter): each run
schedules the next one with an explicit delay from ``policy``. Dramatiq retries only cover an
unexpected crash (a database blip); the work itself is claimed, so a retry is harmless.
"""

from __future__ import annotations

import logging

import dramatiq

from domains.orders import jobs, services
from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)


@dramatiq.actor(
    broker=broker,
    actor_name=jobs.DISPATCH,
    queue_name="orders",
    max_retries=5,
    min_backoff=1000,
    max_backoff=60_000,
    time_limit=5 * 60 * 1000,
)
def dispatch_order(order_id: int) -> None:
    services.dispatch(order_id)


@dramatiq.actor(
    broker=broker,
    actor_name=jobs.CHECK,
    queue_name="orders",
    max_retries=5,
    min_backoff=1000,
    max_backoff=60_000,
    time_limit=5 * 60 * 1000,
)
def check_order(order_id: int) -> None:
    services.check(order_id)


@periodic("*/5 * * * *")
@dramatiq.actor(broker=broker, actor_name=jobs.SWEEP, queue_name="housekeeping", max_retries=0, time_limit=60 * 1000)
def sweep() -> None:
    """Every 5 minutes: re-send work for up to 100 overdue pending orders. The scheduler's lock
    makes one process send this; the orders' leases make a duplicate run harmless."""
    resent = services.sweep()
    if resent:
        logger.warning("orders swept", extra={"resent": resent})
