"""Delivery guarantees: committed -> delivered, rolled back -> never, crash -> relayed,
slow clients cut off, and events crossing web processes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from core.models import Organization
from domains.members import services
from realtime import publisher
from realtime.models import OutboxEvent
from realtime.server.asgi import application
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import access_token, connect, in_thread


def rename_then_fail(tenant: Organization, name: str) -> None:
    with contextlib.suppress(RuntimeError), transaction.atomic():
        services.tenant_update(tenant=tenant, name=name)
        raise RuntimeError("the rest of the service failed")


class BrokenStore:
    def append(self, rows):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis went away between commit and publish")


# -- in-process (the ASGI app in this test's event loop): both modes, embedded included


@pytest.fixture
def member(transactional_db):  # type: ignore[no-untyped-def]
    return member_factory(tenant=tenant_factory())


async def open_socket(member) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    communicator = WebsocketCommunicator(application, "/ws/")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "auth", "token": await database_sync_to_async(access_token)(member)})
    assert (await communicator.receive_json_from())["type"] == "welcome"
    await communicator.send_json_to({"type": "subscribe", "topic": "organization"})
    assert (await communicator.receive_json_from())["type"] == "subscribed"
    return communicator


async def test_rolled_back_changes_are_never_delivered_committed_ones_are(member):
    socket_ = await open_socket(member)
    await database_sync_to_async(rename_then_fail)(member.tenant, "ghost")
    await database_sync_to_async(services.tenant_update)(tenant=member.tenant, name="real")
    frame = await socket_.receive_json_from(timeout=5)
    assert frame["event"]["data"]["name"] == "real"
    assert await socket_.receive_nothing(0.3)
    assert not await database_sync_to_async(OutboxEvent.objects.filter(data__name="ghost").exists)()
    await socket_.disconnect()


async def test_an_event_whose_publish_crashed_is_delivered_by_the_relay(member, monkeypatch):
    socket_ = await open_socket(member)
    monkeypatch.setattr(publisher, "streams", BrokenStore)
    await database_sync_to_async(services.tenant_update)(tenant=member.tenant, name="after a crash")
    assert await socket_.receive_nothing(0.3)
    monkeypatch.undo()
    relayed = await database_sync_to_async(publisher.relay_pending)(min_age_seconds=0)
    assert relayed == 1
    frame = await socket_.receive_json_from(timeout=5)
    assert frame["event"]["data"]["name"] == "after a crash"
    # relaying again finds nothing, and a duplicate publish is absorbed by the event id
    assert await database_sync_to_async(publisher.relay_pending)(min_age_seconds=0) == 0
    row = await database_sync_to_async(OutboxEvent.objects.get)(data__name="after a crash")
    assert await database_sync_to_async(publisher.publish)([row]) == 0
    assert await socket_.receive_nothing(0.3)
    await socket_.disconnect()


def test_the_relay_leaves_fresh_rows_to_the_after_commit_publisher(member, monkeypatch):
    monkeypatch.setattr(publisher, "streams", BrokenStore)
    services.tenant_update(tenant=member.tenant, name="fresh")
    monkeypatch.undo()
    assert publisher.relay_pending(min_age_seconds=60) == 0
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1
    OutboxEvent.objects.update(published_at=timezone.now() - timezone.timedelta(days=2))
    assert publisher.purge_published() == 1


# -- real server processes over PostgreSQL and Redis


@pytest.mark.services
@pytest.mark.slow
async def test_rolled_back_and_crashed_publishes_through_a_real_server(server, monkeypatch):
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    client = await connect(server, admin)
    await client.subscribe("organization")
    await in_thread(rename_then_fail, tenant, "ghost")
    monkeypatch.setattr(publisher, "streams", BrokenStore)
    await in_thread(lambda: services.tenant_update(tenant=tenant, name="relayed"))
    await client.nothing(0.5)
    monkeypatch.undo()
    assert await in_thread(lambda: publisher.relay_pending(min_age_seconds=0)) == 1
    assert (await client.expect("event"))["event"]["data"]["name"] == "relayed"
    await client.nothing(0.3)


@pytest.mark.services
@pytest.mark.slow
async def test_an_event_made_on_one_web_process_reaches_a_socket_on_another(server_factory, transactional_db):
    a = server_factory(name="a")
    b = server_factory(name="b")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    on_b = await connect(b, admin)
    await on_b.subscribe("organization")
    status, _ = await in_thread(lambda: a.call("PATCH", "/api/tenant/", access_token(admin), {"name": "made on A"}))
    assert status == 200
    assert (await on_b.expect("event"))["event"]["data"]["name"] == "made on A"


def flood(tenant_id: int, count: int, per_second: int) -> None:
    """Many large events through the real publish path, in bulk, at a steady rate."""
    now = timezone.now()
    began = time.monotonic()
    for start in range(0, count, 500):
        time.sleep(max(0.0, began + start / per_second - time.monotonic()))
        rows = OutboxEvent.objects.bulk_create(
            OutboxEvent(
                tenant_id=tenant_id,
                topic="organization",
                type="organization.updated",
                occurred_at=now,
                data={"name": f"{i:06d}" + "x" * 194, "timezone": "UTC"},
            )
            for i in range(start, min(start + 500, count))
        )
        publisher.publish(rows)


@pytest.mark.services
@pytest.mark.slow
async def test_a_client_that_stops_reading_is_cut_off_and_others_keep_up(server_factory, transactional_db):
    server = server_factory()
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    fast = await connect(server, admin)
    await fast.subscribe("organization")
    # the slow client's tiny receive window makes the server's buffers fill for real
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    ticket = await in_thread(lambda: server.ticket(access_token(admin)))
    slow_ws = await websockets.connect(f"{server.ws}?ticket={ticket}", sock=raw, max_queue=1)
    await slow_ws.send('{"type":"subscribe","topic":"organization"}')
    total = 25_000
    producer = asyncio.create_task(in_thread(flood, tenant.pk, total, 4000))
    received = 0
    while received < total:
        frame = await fast.recv(20)
        if frame["type"] == "event":
            received += 1
        elif frame["type"] == "ping":  # as every client must, or a long catch-up ends in 4009
            await fast.send(type="pong")
    await producer
    # the fast client got everything; a fresh event still reaches it at once
    started = time.monotonic()
    await in_thread(lambda: services.tenant_update(tenant=tenant, name="marker"))
    assert (await fast.expect("event"))["event"]["data"]["name"] == "marker"
    assert time.monotonic() - started < 1.0
    # the slow one was closed with 4008 rather than buffered without bound; stuck behind its own
    # unread bytes, the close frame may never reach it, so the socket ends as dropped (1006)
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(slow_ws.recv(), 10)
    assert slow_ws.close_code in (4008, 1006)
    assert "code=4008 reason=too_slow" in server.log.read_text()


def publish_named(tenant_id: int, name: str) -> None:
    row = OutboxEvent.objects.create(
        tenant_id=tenant_id,
        topic="organization",
        type="organization.updated",
        occurred_at=timezone.now(),
        data={"name": name, "timezone": "UTC"},
    )
    publisher.publish([row])


@pytest.mark.services
@pytest.mark.slow
async def test_a_large_event_arrives_whole_and_one_the_socket_cannot_carry_closes_it(server):
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    client = await connect(server, admin, max_size=2**21)
    await client.subscribe("organization")
    # far above the inbound frame limit: what the server sends is not held to it
    await in_thread(publish_named, tenant.pk, "x" * 300_000)
    assert len((await client.expect("event"))["event"]["data"]["name"]) == 300_000
    # above the WebSocket layer's message cap: the socket is closed, not left silently mute
    await in_thread(publish_named, tenant.pk, "y" * 1_100_000)
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(client.ws.recv(), 5)
    assert client.ws.close_code == 4500
    assert "reason=send_failed" in server.log.read_text()
