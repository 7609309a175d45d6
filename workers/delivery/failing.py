"""A subject (a channel, an endpoint, a queue) that keeps failing: told once, and once again
when it works, however many attempts fail in between."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

Hook = Callable[[str, str], None]  # (subject, last error)


def log_failing(name: str) -> Hook:
    """The default hook: one ERROR line (Sentry's alarm) when a subject starts failing."""

    def hook(subject: str, error: str) -> None:
        logger.error("delivery failing", extra={"queue": name, "subject": subject, "error": error})

    return hook


def log_recovered(name: str) -> Hook:
    def hook(subject: str, error: str) -> None:
        logger.info("delivery works again", extra={"queue": name, "subject": subject})

    return hook


@dataclass
class Failing:
    """Consecutive failures per subject, counted in the cache every process shares.

    ``on_failing(subject, error)`` runs when the count reaches ``after``; ``on_recovered(subject,
    "")`` on the first success after that. Both run where the attempt ran (in its transaction,
    if it has one), so an alarm raised there commits with the attempt's record."""

    name: str
    after: int = 5
    on_failing: Hook | None = None
    on_recovered: Hook | None = None
    remember_seconds: int = 7 * 86400

    def key(self, subject: str) -> str:
        return f"oqim:failing:{self.name}:{subject}"

    def failed(self, subject: str, error: str) -> int:
        """Count one failure; returns the run of failures so far."""
        key = self.key(subject)
        cache.add(key, 0, self.remember_seconds)
        count = cache.incr(key)
        if count == self.after:
            (self.on_failing or log_failing(self.name))(subject, error)
        return count

    def succeeded(self, subject: str) -> None:
        key = self.key(subject)
        count = cache.get(key)
        if not count:
            return
        cache.delete(key)
        if count >= self.after:
            (self.on_recovered or log_recovered(self.name))(subject, "")
