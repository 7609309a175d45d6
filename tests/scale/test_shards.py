"""A web process reads only the firehose shards of the organizations it holds sockets for, and
``realtime_prune`` removes the keys a layout no longer uses."""

from __future__ import annotations

import pytest
import redis
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from domains.members import services
from realtime.hub import hub
from realtime.server.asgi import application
from realtime.streams import reset_streams
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import access_token
from tests.redis_server import redis_server


async def _follow(member) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    socket = WebsocketCommunicator(application, "/ws/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "token": await database_sync_to_async(access_token)(member)})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.send_json_to({"type": "subscribe", "topic": "organization"})
    assert (await socket.receive_json_from())["type"] == "subscribed"
    return socket


@pytest.mark.services
async def test_only_the_shards_of_local_organizations_are_read(settings, transactional_db):
    settings.REALTIME_SHARDS = 8
    reset_streams()
    by_shard: dict = {}
    while len(by_shard) < 3:  # three organizations in three shards
        tenant = await database_sync_to_async(tenant_factory)()
        by_shard.setdefault(tenant.pk % 8, tenant)
    first, second, elsewhere = by_shard.values()
    members = [await database_sync_to_async(member_factory)(tenant=t) for t in (first, second)]
    sockets = [await _follow(m) for m in members]
    assert set(hub().tails) == {first.pk % 8, second.pk % 8}

    # events of both local organizations arrive; one of a third is never read here
    for tenant in (first, second, elsewhere):
        await database_sync_to_async(services.tenant_update)(tenant=tenant, name=f"renamed {tenant.pk}")
    for socket, tenant in zip(sockets, (first, second), strict=True):
        frame = await socket.receive_json_from(timeout=5)
        assert frame["event"]["data"]["name"] == f"renamed {tenant.pk}"
        assert await socket.receive_nothing(0.3)

    # the last socket of a shard leaving stops its reader; the other goes on
    await sockets[0].disconnect()
    assert set(hub().tails) == {second.pk % 8}
    await database_sync_to_async(services.tenant_update)(tenant=second, name="still live")
    assert (await sockets[1].receive_json_from(timeout=5))["event"]["data"]["name"] == "still live"
    await sockets[1].disconnect()
    assert hub().tails == {} and hub().chores is None
    reset_streams()


def test_prune_lists_then_deletes_only_the_keys_the_layout_no_longer_uses(settings, tmp_path):
    with redis_server(tmp_path) as server:
        settings.REDIS_URL = server.url
        settings.REALTIME_SHARDS = 4
        reset_streams()
        _prune_on(redis.Redis.from_url(server.url, decode_responses=True))
    reset_streams()


def _prune_on(client: redis.Redis) -> None:
    keep = ["oqim:rt:{1}:s:5:organization", "oqim:rt:{1}:firehose", "oqim:rt:{3}:epoch", "oqim:rt:{2}:pub:x"]
    stale = ["oqim:rt:s:5:organization", "oqim:rt:firehose", "oqim:rt:{6}:firehose", "oqim:rt:{2}:s:5:stock"]
    for key in keep + stale:
        client.set(key, "1") if ":pub:" in key or key.endswith("epoch") else client.xadd(key, {"e": "{}"})

    call_command("realtime_prune")  # a dry run lists and keeps
    assert all(client.exists(key) for key in keep + stale)
    call_command("realtime_prune", "--delete")
    assert all(client.exists(key) for key in keep)
    assert not any(client.exists(key) for key in stale)
