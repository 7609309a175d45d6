"""A web process reads only the firehose shards of the organizations it holds sockets for."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from asgi import application
from domains.members import services
from realtime.hub import hub
from realtime.streams import reset_streams
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import access_token

pytestmark = pytest.mark.services


async def _follow(member) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    socket = WebsocketCommunicator(application, "/ws/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "token": await database_sync_to_async(access_token)(member)})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.send_json_to({"type": "subscribe", "topic": "organization"})
    assert (await socket.receive_json_from())["type"] == "subscribed"
    return socket


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
