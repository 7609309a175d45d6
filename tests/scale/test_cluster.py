"""The live events on a Redis Cluster of three masters: a publish stays in one slot, resume and
trimming judge as on one server, and a master failing over under load loses nothing committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from core.models import Organization
from realtime.models import OutboxEvent
from realtime.streams import RedisStreams, firehose_key, reset_streams, stream_key
from tests.redis_server import cluster_deployment
from tests.scale.harness import Host, fail_over_under_load

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _row(tenant_id: int, n: int) -> OutboxEvent:
    return OutboxEvent(
        event_id=uuid.uuid4(),
        tenant_id=tenant_id,
        topic="organization",
        type="organization.updated",
        occurred_at=timezone.now(),
        data={"name": f"n{n}"},
        audience={},
    )


def run(coroutine):  # type: ignore[no-untyped-def]
    """Await on a loop of its own thread: a browser test's session may hold this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_publish_resume_and_trimming_on_a_cluster(tmp_path, settings):
    settings.REALTIME_SHARDS = 16
    settings.REALTIME_STREAM_MAXLEN = 5
    settings.REALTIME_PUBLISH_REPLICAS = 1
    settings.REALTIME_PUBLISH_WAIT_MS = 5000  # a loaded CI machine; this test is about slots, not speed
    with cluster_deployment(tmp_path) as cluster:
        settings.REALTIME_REDIS_CLUSTER = cluster.setting
        reset_streams()
        store = RedisStreams()
        # organizations in every shard, so the shards land on all three masters
        rows = [_row(tenant, n) for n in range(8) for tenant in range(1, 33)]
        positions = store.append(rows)  # CROSSSLOT would raise here
        assert all(positions)
        assert len({cluster.primary_of(firehose_key(shard)).port for shard in range(16)}) == 3
        # appending the same events again adds nothing (the dedupe keys share the shard's slot)
        assert store.append(rows[:5]) == [None] * 5

        # resume: from a kept position the rest comes back; from a trimmed one, resync
        mine = [p for r, p in zip(rows, positions, strict=True) if r.tenant_id == 7]
        replay = run(store.read(7, "organization", mine[4], limit=100))
        assert replay.complete and [e.position for e in replay.entries] == mine[5:]
        assert not run(store.read(7, "organization", mine[1], limit=100)).complete
        assert run(store.read(7, "organization", mine[-1], limit=100)).head == mine[-1]
        # the hub's view: each shard's firehose holds its organizations' events, in order
        _cursor, entries, gap = run(store.tail(7 % 16, "0-0", block_ms=100, count=1000))
        assert [e.position for e in entries if e.tenant_id == 7] == mine and not gap
        assert store.firehose_length() == len(rows)
        assert {s["tenant"] for s in store.stream_stats()} == set(range(1, 33))
        assert list(store.client.scan_iter(match=stream_key(7, "organization"))) == [stream_key(7, "organization")]
    reset_streams()


async def test_a_master_failing_over_under_load_loses_nothing_committed(tmp_path, transactional_db):
    with cluster_deployment(tmp_path / "redis") as cluster:
        env = {"REALTIME_REDIS_CLUSTER": cluster.setting, "REALTIME_SHARDS": "16", "REALTIME_RELAY_AFTER_SECONDS": "1"}
        host = Host.start(env, tmp_path / "host")

        def kill_its_master(tenant: Organization) -> Callable[[], bool]:
            key = f"oqim:rt:{{{tenant.pk % 16}}}:firehose"  # the organization's shard
            primary = cluster.primary_of(key)
            primary.stop(kill=True)
            return lambda: cluster.primary_of(key).port != primary.port

        try:
            await fail_over_under_load(host, kill_its_master)
        finally:
            host.stop()
