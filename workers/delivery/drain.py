"""Draining a table of pending rows in id order: each batch claimed with ``SKIP LOCKED`` for one
transaction, handled in it, and its rows marked (or deleted) before it commits.

Concurrent drainers split the rows between them; ``exclusive`` makes them take turns instead
(one at a time, so followers see rows in order). A handler that raises rolls its batch back:
the rows stay pending for the next run, and ``failing`` is told.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, models, transaction

from workers.delivery.failing import Failing

Row = TypeVar("Row", bound=models.Model)


class Stop(Exception):
    """Raised by a handler to commit what it did and stop draining for now (it will be back)."""


def _take_turn(name: str) -> None:
    # A transaction-scoped advisory lock: the next exclusive drainer waits for this one's commit.
    # SQLite has one writer at a time already.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])


def drain(
    pending: models.QuerySet[Any],
    handle: Callable[[Sequence[Any]], None],
    *,
    batch: int = 500,
    exclusive: str | None = None,
    failing: Failing | None = None,
    max_batches: int | None = None,
) -> int:
    """Hand ``pending``'s rows to ``handle`` a batch at a time until none is left; returns how
    many were handled. ``handle`` must leave its rows out of ``pending`` (marked or deleted)."""
    done = batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        try:
            with transaction.atomic():
                if exclusive:
                    _take_turn(exclusive)
                rows = list(pending.order_by("pk").select_for_update(skip_locked=True)[:batch])
                if rows:
                    try:
                        handle(rows)
                    except Stop:
                        return done + len(rows)
        except Exception as exc:
            if failing is not None:
                failing.failed("all", f"{type(exc).__name__}: {exc}"[:300])
            raise
        done += len(rows)
        if failing is not None and rows:
            failing.succeeded("all")
        if len(rows) < batch:
            break
    return done
