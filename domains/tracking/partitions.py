"""Daily range partitions of the points table on PostgreSQL (SQLite keeps one plain table).

A partition per UTC day keeps each agent-day inside one small index, lets retention drop a day
in one statement instead of deleting millions of rows, and keeps autovacuum off the hot day's
history. Partitions are made ahead by the ``locations.maintain`` job and, should a point
arrive for a day without one (a phone back from a week offline), on demand before the insert.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction

TABLE = "locations_locationpoint"
PREFIX = f"{TABLE}_p"
_LOCK = 740_114  # pg_advisory_xact_lock key: one partition maker at a time

_known: set[date] = set()


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def name_for(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}"


def ensure(days: Iterable[date]) -> None:
    """Make sure each day has its partition. Cheap when they exist (remembered per process once
    committed); creation takes a transaction-scoped advisory lock so racing processes queue."""
    if not partitioned():
        return
    missing = sorted(set(days) - _known)
    if not missing:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        for day in missing:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {name_for(day)} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                [_midnight(day), _midnight(day + timedelta(days=1))],
            )
    if not connection.in_atomic_block:  # committed for good: safe to remember
        _known.update(missing)


def existing() -> list[date]:
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return sorted(datetime.strptime(n[len(PREFIX) :], "%Y%m%d").date() for n in names if n.startswith(PREFIX))


def drop_before(day: date) -> list[date]:
    """Drop every partition of a day before ``day``; returns the days dropped."""
    gone = [d for d in existing() if d < day]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        for d in gone:
            cursor.execute(f"DROP TABLE IF EXISTS {name_for(d)}")
    _known.difference_update(gone)
    return gone


def cluster_before(day: date, *, limit: int = 2) -> list[date]:
    """Rewrite up to ``limit`` finished days' partitions in (tenant, agent, time) order, once.

    Points arrive interleaved from every agent, so a fresh partition scatters one agent-day over
    thousands of pages; clustered, it lies on a few dozen and a track read is a short range.
    CLUSTER locks only that partition, and a finished day is rarely written (late uploads wait
    a few seconds). PostgreSQL marks the index it used, which is how a day is known done."""
    if not partitioned():
        return []
    done = []
    with connection.cursor() as cursor:
        for d in [d for d in existing() if d < day]:
            if len(done) >= limit:
                break
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, i.indisclustered FROM pg_index i"
                " WHERE i.indrelid = %s::regclass AND i.indisunique AND i.indnatts = 4",
                [name_for(d)],
            )
            found = cursor.fetchone()
            if found is None or found[1]:
                continue
            cursor.execute(f"CLUSTER {name_for(d)} USING {found[0]}")
            cursor.execute(f"ANALYZE {name_for(d)}")
            done.append(d)
    return done


def _midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00:00+00"
