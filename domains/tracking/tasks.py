"""Breadcrumb housekeeping: presence as time passes, partitions ahead, retention."""

from __future__ import annotations

import logging

import dramatiq

from domains.tracking import services
from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)

# The actors keep the names they had in the former locations app (docs/operations.md): queued jobs
# and operators' alerts name them.


# Online → idle → offline happens by silence, so something must look at the clock.
@periodic("* * * * *", second="*/15")
@dramatiq.actor(
    broker=broker,
    actor_name="locations.sweep_presence",
    queue_name="housekeeping",
    max_retries=0,  # the next run, seconds later, is the retry
    time_limit=60 * 1000,
)
def sweep_presence() -> None:
    changed = services.sweep_presence()
    if changed:
        logger.info("agent presence changed", extra={"agents": changed})


@periodic("17 * * * *")
@dramatiq.actor(
    broker=broker,
    actor_name="locations.maintain",
    queue_name="housekeeping",
    max_retries=0,  # hourly: the next hour is the retry
    time_limit=10 * 60 * 1000,
)
def maintain() -> None:
    """Make the next days' partitions, rewrite finished days in track order, then drop (or
    delete) points past the retention."""
    clustered = services.prepare_partitions()
    if clustered:
        logger.info("location partitions clustered", extra={"days": [d.isoformat() for d in clustered]})
    removed = services.prune()
    if removed:
        logger.info("old location points removed", extra={"removed": removed})
