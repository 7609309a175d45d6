"""The cost of publishing an event must not grow with the history its stream holds."""

from __future__ import annotations

import uuid

import redis
from django.utils import timezone

from realtime.entries import trimmed_key
from realtime.models import OutboxEvent
from realtime.streams import TRIM_SLACK, RedisStreams, firehose_key, stream_key
from tests.redis_server import redis_server

FULL = 100_000


def _rows(count: int, *, tenant_id: int, topic: str) -> list[OutboxEvent]:
    now = timezone.now()
    return [
        OutboxEvent(
            event_id=uuid.uuid4(),
            tenant_id=tenant_id,
            topic=topic,
            type="organization.updated",
            occurred_at=now,
            data={"n": n},
            audience={},
        )
        for n in range(count)
    ]


def _fill(client: redis.Redis, key: str, count: int) -> None:
    """History as weeks of use leave it: ``count`` entries, written the fast way."""
    for start in range(0, count, 10_000):
        pipe = client.pipeline(transaction=False)
        for _ in range(min(10_000, count - start)):
            pipe.xadd(key, {"e": '{"id":"x"}', "a": "{}"})
        pipe.execute()


def _append_cost_us(client: redis.Redis, store: RedisStreams, *, tenant_id: int, topic: str) -> float:
    """Redis's own microseconds per appended event (``INFO commandstats``, not wall time)."""
    client.config_resetstat()
    for _ in range(10):
        store.append(_rows(50, tenant_id=tenant_id, topic=topic))
    stats = client.info("commandstats")["cmdstat_evalsha"]
    assert stats["calls"] == 10  # one script call per batch of one organization's events
    return float(stats["usec"]) / 500


def test_append_cost_does_not_grow_with_the_stream(tmp_path, settings):
    # given a stream of 1,000 entries and one at its MAXLEN of 100,000, both within retention
    settings.REALTIME_STREAM_MAXLEN = FULL
    settings.REALTIME_FIREHOSE_MAXLEN = FULL
    settings.REALTIME_RETENTION_SECONDS = 24 * 3600
    with redis_server(tmp_path) as server:
        settings.REDIS_URL = server.url
        client = redis.Redis.from_url(server.url)
        store = RedisStreams()
        _fill(client, stream_key(1, "small"), 1_000)
        _fill(client, stream_key(1, "full"), FULL)
        _fill(client, firehose_key(0), FULL)
        store.append(_rows(1, tenant_id=1, topic="small"))  # the script is loaded

        # when the same appends are measured on each
        small = _append_cost_us(client, store, tenant_id=1, topic="small")
        full = _append_cost_us(client, store, tenant_id=1, topic="full")

        # then the full stream costs less than twice as much, and stays at its MAXLEN
        assert full < 2 * small, (small, full)
        assert FULL <= client.xlen(stream_key(1, "full")) < FULL + TRIM_SLACK


def test_retention_trims_old_entries_exactly(tmp_path, settings):
    # given a stream whose oldest entries are older than the retention
    settings.REALTIME_RETENTION_SECONDS = 3600
    with redis_server(tmp_path) as server:
        settings.REDIS_URL = server.url
        client = redis.Redis.from_url(server.url, decode_responses=True)
        store = RedisStreams()
        key = stream_key(1, "organization")
        old_ms = int(timezone.now().timestamp() * 1000) - 2 * 3600 * 1000
        for n in range(5):
            client.xadd(key, {"e": "{}", "a": "{}"}, id=f"{old_ms + n}-0")

        # when an event is appended
        (position,) = store.append(_rows(1, tenant_id=1, topic="organization"))

        # then only the new entry is left and the newest trimmed id is remembered for resumes
        assert [entry_id for entry_id, _ in client.xrange(key)] == [position]
        assert client.hget(trimmed_key(0), key) == f"{old_ms + 4}-0"
