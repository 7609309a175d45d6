"""When a failed attempt is tried again, and when to stop trying."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Backoff:
    """``schedule[n]`` seconds after the (n+1)th failure, with ``jitter`` either way so that
    rows failing together are not retried together; give up once the schedule is used up or
    ``give_up_after`` has passed since the first attempt."""

    schedule: tuple[float, ...]
    jitter: float = 0.1
    give_up_after: timedelta | None = None

    def next_attempt(
        self,
        *,
        attempts: int,
        first_attempt_at: datetime | None = None,
        retry_after: float | None = None,
        now: datetime | None = None,
    ) -> datetime | None:
        """When to try again after ``attempts`` attempts (the last failed), or None to give up.
        ``retry_after``: the receiver's own request (Telegram's, a 429's), honoured if longer."""
        now = now or timezone.now()
        limit, first = self.give_up_after, first_attempt_at
        expired = limit is not None and first is not None and now - first >= limit
        if attempts > len(self.schedule) or expired:
            return None
        wait = self.schedule[attempts - 1] * random.uniform(1 - self.jitter, 1 + self.jitter)
        return now + timedelta(seconds=max(wait, retry_after or 0.0))
