"""Redis behind Sentinel: the master is killed under load, a replica is promoted, Oqim carries on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.redis_server import sentinel_deployment
from tests.scale.harness import Host, fail_over_under_load

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

        def kill_master(_tenant: object) -> Callable[[], bool]:
            redis_ha.master.stop(kill=True)  # without a word, in the middle of the writes
            return lambda: redis_ha.master_port() == redis_ha.replica.port

        try:
            await fail_over_under_load(host, kill_master)
        finally:
            host.stop()
