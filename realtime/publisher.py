"""Moving committed outbox rows into the streams.

``publish_after_commit`` runs right after the emitting transaction commits; the rows are marked
published by a thread of the process, many requests' rows in one statement. If it cannot reach
Redis, or the process dies first, the row stays pending and ``relay_pending`` (a periodic actor,
every few seconds) publishes it. Appending is idempotent per event id, so the two may race.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.bulk import pg_array
from realtime import fanout
from realtime.models import OutboxEvent
from realtime.streams import Unreplicated, streams
from workers import delivery

logger = logging.getLogger(__name__)


def publish(rows: Sequence[OutboxEvent], *, mark: Callable[[Sequence[int]], None] | None = None) -> int:
    """Append ``rows`` to their streams and mark them published (``mark``: ``mark_published``
    unless given); returns how many were appended now (an already published row counts as done,
    not as appended). Raises ``Unreplicated`` after marking only the rows whose events replicas
    hold (the rest wait for the relay)."""
    if not rows:
        return 0
    mark = mark or mark_published
    try:
        positions = streams().append(rows)
    except Unreplicated as short:
        mark([rows[index].pk for index in short.confirmed])
        raise
    mark([row.pk for row in rows])
    return sum(1 for p in positions if p is not None)


def mark_published(ids: Sequence[int]) -> None:
    if connection.vendor != "postgresql":
        OutboxEvent.objects.filter(pk__in=ids).update(published_at=timezone.now())
        return
    with connection.cursor() as cursor:  # one parameter, however many rows
        cursor.execute(
            f"UPDATE {OutboxEvent._meta.db_table} SET published_at = %s WHERE id = ANY(%s::bigint[])",
            [timezone.now(), pg_array(ids)],
        )


def publish_after_commit(rows: Sequence[OutboxEvent]) -> None:
    # The transaction is already committed: failing here must not fail the request. The relay
    # will publish the rows.
    if any(row.fanout for row in rows):
        fanout.kick()
    try:
        publish(rows, mark=_marks.add if connection.vendor == "postgresql" else None)
    except Exception as exc:
        logger.warning(
            "event publish deferred to the relay",
            extra={
                "event_id": str(rows[0].event_id),
                "events": len(rows),
                "type": rows[0].type,
                "error": type(exc).__name__,
            },
        )


class _Marks:
    """Rows published after their commit, marked by a thread of this process in one ``UPDATE``
    per round instead of one per request: the request answers once its events are in the
    streams. Should the process die before the mark, the relay appends those events again,
    which the streams' per-event dedupe makes a no-op, and marks them. SQLite marks inline (one
    writer at a time; the embedded mode is not where throughput is measured)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()
        self.rounds = delivery.Rounds(
            "realtime-marks", self._mark, gather=0.02, failed="published rows left for the relay to mark"
        )

    def add(self, ids: Sequence[int]) -> None:
        with self.lock:
            self.ids.extend(ids)
        self.rounds.kick()

    def _mark(self) -> None:
        with self.lock:
            ids, self.ids = self.ids, []
        if ids:
            mark_published(ids)


_marks = _Marks()


def relay_pending(*, min_age_seconds: float | None = None, batch: int = 500) -> int:
    """Publish outbox rows still pending after ``min_age_seconds``; returns the number appended.
    Concurrent relays split the rows (``workers.delivery.drain``); a Redis error leaves them for
    the next run, two seconds later."""
    age = settings.REALTIME_RELAY_AFTER_SECONDS if min_age_seconds is None else min_age_seconds
    pending = OutboxEvent.objects.filter(
        published_at__isnull=True, occurred_at__lte=timezone.now() - timedelta(seconds=age)
    )
    appended = [0]

    def handle(rows: Sequence[OutboxEvent]) -> None:
        try:
            appended[0] += publish(rows)
        except Unreplicated as short:
            # The events are out; the next run asks the replicas again.
            logger.warning("relay: replicas have not acknowledged some events yet", extra={"events": len(rows)})
            raise delivery.Stop from short

    delivery.drain(pending, handle, batch=batch, failing=FAILING)
    if appended[0]:
        logger.info("relay published pending events", extra={"published": appended[0]})
    return appended[0]


FAILING = delivery.Failing("realtime.relay", after=3)


def purge_published(*, older_than_seconds: int | None = None) -> int:
    """Delete published rows past the stream retention; their events are gone from Redis anyway."""
    seconds = settings.REALTIME_RETENTION_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    # A row still waiting for its followers stays, however old (realtime.fanout).
    deleted, _ = OutboxEvent.objects.filter(published_at__lt=cutoff, fanout=False).delete()
    return deleted
