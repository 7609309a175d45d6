"""When the next dispatch retry or status check of an order is due (pure functions; docs/orders.md).

Status checks: ``first_check_seconds`` after dispatch, then after every check that did not settle
the order, back-off doubling from ``backoff_base_seconds`` up to ``backoff_cap_seconds``, until the
deadline (``deadline_seconds`` from creation); the last check falls exactly on the deadline and
an order still pending after it fails with reason ``timeout``. Dispatch retries double from
``dispatch_retry_seconds`` up to the same cap. Errors never end polling early: a provider down for
an hour costs the orders nothing it later fulfils; ``error_alarm_threshold`` consecutive errors
raise an alarm instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Policy(Protocol):
    first_check_seconds: int
    backoff_base_seconds: int
    backoff_cap_seconds: int
    dispatch_retry_seconds: int


def doubling(base: int, cap: int, step: int) -> int:
    """``base`` doubled ``step`` times (step 0 is ``base``), never over ``cap``."""
    if step >= 32:
        return cap
    return min(base * 2**step, cap)


def check_delay(policy: Policy, checks_done: int) -> int:
    """Seconds until the next status check, ``checks_done`` checks after dispatch."""
    if checks_done == 0:
        return policy.first_check_seconds
    return doubling(policy.backoff_base_seconds, policy.backoff_cap_seconds, checks_done - 1)


def dispatch_delay(policy: Policy, attempts_done: int) -> int:
    """Seconds until the next dispatch attempt after ``attempts_done`` failed ones."""
    return doubling(policy.dispatch_retry_seconds, policy.backoff_cap_seconds, max(attempts_done - 1, 0))


def next_due(now: datetime, delay_seconds: int, deadline: datetime) -> datetime:
    """``now + delay``, but never later than the deadline (the final check is at the deadline)."""
    return min(now + timedelta(seconds=delay_seconds), deadline)
