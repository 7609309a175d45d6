"""Lived-in state: what weeks of use leave in Redis and PostgreSQL, built before a benchmark
measures, so that no figure comes from empty streams and tables.

Every bench calls ``build`` (or ``redis_history`` and ``outbox_history``) and its own domain's
history builders (ledger rows, points, clients, deliveries: ``bench/harness/domains/``) on a fresh
database, before its first phase; ``--fresh`` skips them, to compare with an empty start, and
``--smoke`` builds them small, so that the code that builds them runs in ``make test`` too.

- every topic stream of the bench organization at ``REALTIME_STREAM_MAXLEN`` entries, the
  firehose at ``REALTIME_FIREHOSE_MAXLEN``, and an hour of publish dedupe keys;
- published outbox rows, as the purge leaves a day of them.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection

from core import redis_connections
from realtime.entries import dedupe_key, firehose_key, shard_of, stream_key
from realtime.models import OutboxEvent
from realtime.topics import TOPICS

CHUNK = 10_000
SMOKE_ENTRIES = 200  # per stream, and dedupe keys and outbox rows, in a smoke run


def build(tenant_id: int, *, smoke: bool, outbox_rows: int = 1_000_000) -> dict:
    """Streams and firehose at their caps (services mode), a day of outbox rows, the planner's
    statistics; returns what was built."""
    built: dict = {}
    if settings.REDIS_URL:
        built.update(redis_history(tenant_id, smoke=smoke))
    built["outbox_rows"] = outbox_history(tenant_id, rows=SMOKE_ENTRIES if smoke else outbox_rows)
    analyze()
    print("lived-in:", built, flush=True)
    return built


def _envelope(tenant_id: int, topic: str, n: int) -> str:
    # The size and shape of a real event: ids, a type, a small snapshot.
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": f"{topic}.history",
            "version": 1,
            "tenant": tenant_id,
            "topic": topic,
            "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "actor": None,
            "data": {"n": n, "name": f"history entry {n}", "quantity": "12.500", "unit": "kg"},
        },
        separators=(",", ":"),
    )


def redis_history(tenant_id: int, *, smoke: bool = False, dedupe_keys: int = 1_000_000) -> dict:
    """Fill the organization's topic streams and the firehose to their caps (to a few hundred
    entries in a smoke run); returns counts."""
    stream_cap = SMOKE_ENTRIES if smoke else settings.REALTIME_STREAM_MAXLEN
    firehose_cap = SMOKE_ENTRIES if smoke else settings.REALTIME_FIREHOSE_MAXLEN
    dedupe_keys = SMOKE_ENTRIES if smoke else dedupe_keys
    client = redis_connections.client()
    shard = shard_of(tenant_id)
    firehose = firehose_key(shard)
    began = time.monotonic()
    names = list(TOPICS)
    for topic in names:
        key = stream_key(tenant_id, topic)
        missing = stream_cap - client.xlen(key)
        for start in range(0, max(0, missing), CHUNK):
            pipe = client.pipeline(transaction=False)
            for n in range(start, min(start + CHUNK, missing)):
                pipe.xadd(key, {"e": _envelope(tenant_id, topic, n), "a": "{}"})
            pipe.execute()
    missing = firehose_cap - client.xlen(firehose)
    for start in range(0, max(0, missing), CHUNK):
        pipe = client.pipeline(transaction=False)
        for n in range(start, min(start + CHUNK, missing)):
            topic = names[n % len(names)]
            pipe.xadd(
                firehose,
                {"t": tenant_id, "o": topic, "p": f"1-{n}", "e": _envelope(tenant_id, topic, n), "a": "{}"},
            )
        pipe.execute()
    if not client.set("bench:dedupe-filled", "1", nx=True, ex=3600):  # they live an hour: once an hour
        dedupe_keys = 0
    for start in range(0, dedupe_keys, CHUNK):
        pipe = client.pipeline(transaction=False)
        for _ in range(min(CHUNK, dedupe_keys - start)):
            pipe.set(dedupe_key(shard, uuid.uuid4()), "1", ex=3600)
        pipe.execute()
    return {
        "streams": len(names),
        "stream_entries": sum(client.xlen(stream_key(tenant_id, t)) for t in names),
        "firehose_entries": client.xlen(firehose),
        "redis_keys": client.dbsize(),
        "redis_filled_s": round(time.monotonic() - began, 1),
    }


def outbox_history(tenant_id: int, *, rows: int = 1_000_000) -> int:
    """Published outbox rows over the last day, as the hourly purge leaves them."""
    table = OutboxEvent._meta.db_table
    since = datetime.now(UTC) - timedelta(days=1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                INSERT INTO {table} (event_id, tenant_id, topic, type, version, occurred_at, actor_id, data,
                                     audience, published_at, fanout)
                SELECT gen_random_uuid(), %s, 'organization', 'organization.updated', 1, t, NULL,
                       jsonb_build_object('name', 'history ' || s, 'timezone', 'Asia/Tashkent'), '{{}}', t, false
                FROM generate_series(1, %s) AS s,
                     LATERAL (SELECT %s::timestamptz + make_interval(secs => s * 86400.0 / %s)) AS x(t)
                """,
                [tenant_id, rows, since, rows],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            now = datetime.now(UTC)
            for start in range(0, rows, CHUNK):
                OutboxEvent.objects.bulk_create(
                    OutboxEvent(
                        tenant_id=tenant_id,
                        topic="organization",
                        type="organization.updated",
                        occurred_at=now,
                        data={"name": f"history {n}", "timezone": "Asia/Tashkent"},
                        published_at=now,
                    )
                    for n in range(start, min(start + CHUNK, rows))
                )
    return rows


def analyze() -> None:
    """What autovacuum does after bulk loads: the planner sees the tables as they are."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
