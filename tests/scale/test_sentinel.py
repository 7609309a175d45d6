"""Redis behind Sentinel: the master is killed under load, a replica is promoted, Oqim carries on."""

from __future__ import annotations

import asyncio
import time

import pytest

from realtime.models import OutboxEvent
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import access_token, in_thread
from tests.redis_server import sentinel_deployment
from tests.scale.harness import Follower, Host, Writer

pytestmark = [pytest.mark.services, pytest.mark.slow]


async def test_a_killed_master_is_replaced_and_nothing_committed_is_lost(tmp_path, transactional_db):
    with sentinel_deployment(tmp_path / "redis") as redis_ha:
        env = {
            "REDIS_URL": "",
            "REDIS_SENTINELS": redis_ha.sentinels_setting,
            "REDIS_SENTINEL_MASTER": redis_ha.MASTER_NAME,
            "REALTIME_RELAY_AFTER_SECONDS": "1",
        }
        host = Host.start(env, tmp_path / "host")
        try:
            tenant = await in_thread(tenant_factory)
            admin = await in_thread(member_factory, tenant=tenant)
            follower = Follower([host.web], admin)
            follower.start()
            await asyncio.wait_for(follower.connected.wait(), 15)
            writer = Writer([host.web], await in_thread(access_token, admin))
            writer.start()
            await asyncio.sleep(2)

            # when: the master dies without a word, in the middle of the writes
            killed_at = time.monotonic()
            redis_ha.master.stop(kill=True)
            while redis_ha.master_port() != redis_ha.replica.port:
                assert time.monotonic() - killed_at < 30, "Sentinel never promoted the replica"
                await asyncio.sleep(0.2)
            promoted_at = time.monotonic()
            await asyncio.sleep(4)
            await in_thread(writer.stop)

            # then: REST answered 200 or, during the switch, 503, never anything else
            statuses = {status for _, status, _ in writer.results}
            assert statuses <= {200, 503}, (statuses, host.logs())
            after = [s for _, s, when in writer.results if when > promoted_at + 1]
            assert after and all(s == 200 for s in after), "writes did not carry on on the new master"
            # every committed change reached the dashboard (the relay republishes what the old
            # master took but never handed to its replica); none is left pending
            committed = writer.committed()
            missing = await follower.wait_for(committed, timeout=30)
            assert not missing, (sorted(missing)[:5], follower.reconnects, host.logs())
            pending = await in_thread(lambda: OutboxEvent.objects.filter(published_at__isnull=True).count())
            assert pending == 0
            await follower.stop()
        finally:
            host.stop()
