"""Housekeeping actors of the platform."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)


@periodic("17 3 * * *")
@dramatiq.actor(
    broker=broker,
    actor_name="core.flush_expired_tokens",
    queue_name="housekeeping",
    max_retries=3,
    time_limit=10 * 60 * 1000,
)
def flush_expired_tokens() -> None:
    """Expired refresh tokens (and their blacklist rows) are useless; the table would grow forever.
    Idempotent: a second run finds nothing to delete."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    logger.info("flushed expired refresh tokens", extra={"deleted": deleted})
