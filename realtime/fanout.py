"""Events to the apps that follow them (webhook deliveries, notifications, live figures other
domains derive from them), after the emitting transaction and off its path.

A follower says which (organization, event type) pairs it wants and what it does with a batch of
committed events. ``emit`` marks an event for fan-out only when some follower wants its pair, a
set this process keeps in memory and rebuilds when a follower's subscriptions change (``changed``),
so an event nobody follows (a GPS fix, most events) costs nothing more than before. The marked
rows are drained in id order, one worker at a time (``workers.delivery.drain``): each batch is
handed to every follower in the transaction that clears its marks, so each event reaches each
follower once, or, if that transaction fails, stays marked for the next run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from realtime.models import OutboxEvent
from workers import delivery

logger = logging.getLogger(__name__)

Pair = tuple[int | None, str]  # (organization id, or None for every organization; event type)


@dataclass(frozen=True)
class Follower:
    name: str
    wants: Callable[[], Iterable[Pair]]  # a query: the pairs it may want now (coarse; it filters)
    handle: Callable[[Sequence[OutboxEvent]], None]  # writes its own rows; runs in the drain's transaction
    announces: bool = False  # tells people: quiet events (the demo's seeding) skip it


FOLLOWERS: dict[str, Follower] = {}
VERSION_KEY = "oqim:fanout:version"
CHECK_EVERY = 1.0  # seconds: how stale another process's view of the subscriptions may be


def follow(
    name: str,
    *,
    wants: Callable[[], Iterable[Pair]],
    handle: Callable[[Sequence[OutboxEvent]], None],
    announces: bool = False,
) -> None:
    """Register a follower (from its app's ``AppConfig.ready``); one that ``announces`` (a message
    to a person) is not handed quiet events."""
    FOLLOWERS[name] = Follower(name=name, wants=wants, handle=handle, announces=announces)
    _view.reset()


class _View:
    """This process's copy of every follower's pairs, checked against the shared version at most
    every ``CHECK_EVERY`` seconds."""

    def __init__(self) -> None:
        self.pairs: frozenset[Pair] | None = None
        self.version: object = None
        self.checked_at = 0.0
        self.lock = threading.Lock()

    def reset(self) -> None:
        self.pairs = None

    def current(self) -> frozenset[Pair]:
        now = time.monotonic()
        if self.pairs is not None and now - self.checked_at < CHECK_EVERY:
            return self.pairs
        with self.lock:
            version = cache.get(VERSION_KEY)
            if self.pairs is None or version != self.version:
                self.pairs = frozenset(pair for f in FOLLOWERS.values() for pair in f.wants())
                self.version = version
            self.checked_at = now
            return self.pairs


_view = _View()


def wanted(tenant_id: int, type: str) -> bool:
    """Whether some follower may want events of ``type`` in this organization."""
    if not FOLLOWERS:
        return False
    pairs = _view.current()
    return (tenant_id, type) in pairs or (None, type) in pairs


def changed() -> None:
    """A follower's subscriptions changed (an endpoint, a rule, a recipe), in the current
    transaction: this process sees it at once (its own next emits included), every other within
    ``CHECK_EVERY`` seconds of the commit."""

    def bump() -> None:
        cache.add(VERSION_KEY, 0, None)
        cache.incr(VERSION_KEY)
        _view.reset()

    _view.reset()
    transaction.on_commit(bump)


KICKER = delivery.Kicker("realtime.fan_out", every=0.2)
FAILING = delivery.Failing("realtime.fan_out", after=3)


# This process's own fan-out thread, woken right after each commit that marked events: the
# followers get them in milliseconds, with no trip through the broker and no wait for a worker
# thread busy sending webhooks. At most one round every 0.2 s, so a follower that recomputes a
# total does it once per burst. The periodic job (every 2 s) is the net under it: marked rows a
# dead process left, or a process without the thread (``REALTIME_FANOUT_IN_PROCESS``), wait for
# it, and nothing is lost.
_in_process = delivery.Rounds(
    "realtime-fan-out", lambda: fan_out(), gather=0.2, failed="fan-out deferred to the periodic job"
)


def kick() -> None:
    """After a commit that marked events: hand them over now (or ask a worker to)."""
    if settings.REALTIME_FANOUT_IN_PROCESS:
        _in_process.kick()
    else:
        KICKER.kick()


def _handle(rows: Sequence[OutboxEvent]) -> None:
    loud = [row for row in rows if not row.audience.get("quiet")]
    for follower in FOLLOWERS.values():
        if chosen := (loud if follower.announces else rows):
            follower.handle(chosen)
    OutboxEvent.objects.filter(pk__in=[row.pk for row in rows]).update(fanout=False)


def fan_out(*, batch: int = 500) -> int:
    """Hand every marked event to the followers; returns how many were handed."""
    pending = OutboxEvent.objects.filter(fanout=True)
    return delivery.drain(pending, _handle, batch=batch, exclusive="realtime.fan_out", failing=FAILING)
