"""Two hosts, each with its web, worker and scheduler, sharing PostgreSQL, Redis and the broker:
events cross hosts, and a host cut off from the network loses nothing committed while its
clients move to the other host and resume without a gap."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.db import connection

from realtime.models import OutboxEvent
from tests.factories import member_factory, tenant_factory
from tests.net import free_port
from tests.realtime.conftest import access_token, in_thread
from tests.redis_server import RedisServer
from tests.scale import netns
from tests.scale.harness import Follower, Host, Writer, pending_outbox

pytestmark = [pytest.mark.services, pytest.mark.slow]


def committed_names(tenant_id: int) -> set[str]:
    """The ground truth: every rename the database committed, whatever its caller heard."""
    rows = OutboxEvent.objects.filter(tenant_id=tenant_id, type="organization.updated")
    return {row["data"]["name"] for row in rows.values("data")}


async def test_a_host_cut_off_loses_nothing_and_its_clients_resume_on_another(tmp_path, transactional_db):
    with netns.hosts(2) as machines:
        settings_dict = connection.settings_dict
        database = (settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
        pg = netns.Forwarder((machines.service_ip, free_port()), database).start()
        redis_server = RedisServer(tmp_path / "redis", "--protected-mode", "no", bind=machines.service_ip).start()
        env = {
            "DATABASE_URL": f"postgres://{settings_dict['USER']}@{machines.service_ip}:{pg.listen[1]}/{settings_dict['NAME']}",
            "REDIS_URL": redis_server.url,
            "REALTIME_RELAY_AFTER_SECONDS": "1",
            "SCHEDULER_LOCK_TTL_SECONDS": "4",
            "WORKER_HEARTBEAT_TIMEOUT_MS": "3000",
            "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": "3000",
        }
        started: list[Host] = []
        try:
            for i in range(2):
                started.append(
                    Host.start(env, tmp_path / f"host{i}", host=machines.address(i), wrapper=machines.wrapper(i))
                )
            a, b = started
            tenant = await in_thread(tenant_factory)
            admin = await in_thread(member_factory, tenant=tenant)
            token = await in_thread(access_token, admin)

            # a client on B sees what is written on A
            on_b = Follower([b.web], admin)
            on_b.start()
            await asyncio.wait_for(on_b.connected.wait(), 15)
            status, _ = await in_thread(a.web.call, "PATCH", "/api/tenant/", token, {"name": "made on A"})
            assert status == 200
            assert not await on_b.wait_for({"made on A"}, timeout=10)
            await on_b.stop()

            # when: A drops off the network while a dashboard on it follows writes made on both
            follower = Follower([a.web, b.web], admin)
            follower.start()
            await asyncio.wait_for(follower.connected.wait(), 15)
            writer = Writer([a.web, b.web], token, interval=0.03)
            writer.start()
            await asyncio.sleep(3)
            cut_at = time.monotonic()
            machines.cut(0)
            await asyncio.sleep(16)  # the write caught on A waits out its 10 s timeout first
            await in_thread(writer.stop)

            # then: every change the database committed, on either host, reached the client,
            # which moved to B and resumed from its last position
            committed = {n for n in await in_thread(committed_names, tenant.pk) if n.startswith("w")}
            assert len(committed) > 50
            missing = await follower.wait_for(committed, timeout=45)
            assert not missing, (sorted(missing)[:5], follower.reconnects, b.logs())
            assert follower.reconnects >= 1 and follower.resyncs == 0
            after_cut = [s for _, s, when in writer.results if when > cut_at + 11]
            assert after_cut and all(s == 200 for s in after_cut)  # B carried on alone
            assert await pending_outbox(tenant.pk) == 0
            await follower.stop()
        finally:
            machines.mend(0)
            for host in started:
                host.stop()
            redis_server.stop()
            pg.stop()
