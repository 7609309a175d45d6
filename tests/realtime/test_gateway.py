"""The live gateway through a real server process and real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import websockets

from core.roles import Role
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import Client, access_token, connect, in_thread

pytestmark = pytest.mark.slow


@pytest.fixture
def org(server):  # type: ignore[no-untyped-def]
    tenant = tenant_factory()
    return {
        "tenant": tenant,
        "admin": member_factory(tenant=tenant, role=Role.ADMIN),
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
        "viewer": member_factory(tenant=tenant, role=Role.VIEWER),
    }


def rename(server, membership, name: str) -> None:  # type: ignore[no-untyped-def]
    status, body = server.call("PATCH", "/api/tenant/", access_token(membership), {"name": name})
    assert status == 200, body


async def test_a_committed_change_reaches_the_subscriber_as_an_enveloped_event(server, org):
    # given a manager subscribed to the organization topic
    client = await connect(server, org["manager"])
    assert "organization" in client.welcome["topics"]
    subscribed = await client.subscribe("organization")
    # when an admin renames the organization over REST
    await in_thread(rename, server, org["admin"], "Renamed live")
    # then the event arrives, enveloped, after the subscription's position
    frame = await client.expect("event")
    event = frame["event"]
    assert event["type"] == "organization.updated" and event["version"] == 1
    assert event["tenant"] == org["tenant"].pk and event["actor"] == org["admin"].user_id
    assert event["data"] == {"name": "Renamed live", "timezone": "UTC"}
    assert event["occurred_at"].endswith("Z") and len(event["id"]) == 36
    assert tuple(map(int, frame["position"].split("-"))) > tuple(map(int, subscribed["position"].split("-")))
    await client.ws.close()


async def test_another_tenant_never_receives_the_events_even_guessing_topic_names(server, org):
    other = await in_thread(lambda: member_factory(tenant=tenant_factory(), role=Role.ADMIN))
    spy = await connect(server, other)
    for topic in spy.welcome["topics"]:
        await spy.subscribe(topic)
    for guess in (f"{org['tenant'].pk}:organization", f"organization:{org['tenant'].pk}", "*", "../organization"):
        await spy.send(type="subscribe", topic=guess)
        assert (await spy.expect("error", topic=guess))["code"] == "unknown_topic"
    watcher = await connect(server, org["manager"])
    await watcher.subscribe("organization")
    await in_thread(rename, server, org["admin"], "Secret name")
    assert (await watcher.expect("event"))["event"]["data"]["name"] == "Secret name"
    await spy.nothing(0.7)


async def test_a_refused_subscription_gets_an_error_frame(server, org):
    viewer = await connect(server, org["viewer"])
    assert "members" not in viewer.welcome["topics"]
    await viewer.send(type="subscribe", topic="members", ref=7)
    error = await viewer.expect("error")
    assert (error["code"], error["topic"], error["ref"]) == ("forbidden_topic", "members", 7)
    await viewer.send(type="subscribe", topic="no-such-topic")
    assert (await viewer.expect("error"))["code"] == "unknown_topic"
    await viewer.subscribe("organization")
    await viewer.send(type="subscribe", topic="organization")
    assert (await viewer.expect("error"))["code"] == "already_subscribed"
    await viewer.send(type="unsubscribe", topic="organization")
    await viewer.expect("unsubscribed", topic="organization")
    await viewer.send(type="unsubscribe", topic="organization")
    assert (await viewer.expect("error"))["code"] == "not_subscribed"


async def test_resume_replays_what_was_missed_then_goes_live_without_gap_or_duplicate(server, org):
    # given a client that saw one event and went away while five more happened
    client = await connect(server, org["manager"])
    await client.subscribe("organization")
    await in_thread(rename, server, org["admin"], "n-0")
    seen = await client.expect("event")
    await client.ws.close()
    for i in range(1, 6):
        await in_thread(rename, server, org["admin"], f"n-{i}")
    # when it resumes while changes keep coming
    stop = threading.Event()

    def keep_renaming() -> None:
        i = 6
        while not stop.is_set() and i < 40:
            rename(server, org["admin"], f"n-{i}")
            i += 1

    writer = threading.Thread(target=keep_renaming)
    writer.start()
    try:
        back = await connect(server, org["manager"])
        ack = await back.subscribe("organization", since=seen["position"])
        assert ack["position"] == seen["position"]
        frames = await back.events(15)
    finally:
        stop.set()
        await in_thread(writer.join)
    # then every change after the position arrives once, in order, across the replay/live seam
    names = [f["event"]["data"]["name"] for f in frames]
    assert names == [f"n-{i}" for i in range(1, 16)]
    positions = [tuple(map(int, f["position"].split("-"))) for f in frames]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


async def test_a_bad_or_future_position_is_answered_not_ignored(server, org):
    client = await connect(server, org["manager"])
    await client.send(type="subscribe", topic="organization", since="yesterday")
    assert (await client.expect("error"))["code"] == "invalid_position"
    await client.send(type="subscribe", topic="organization", since="99999999999999-0")
    resync = await client.expect("resync_required", topic="organization")
    # the position it gives is a good place to continue from
    await client.subscribe("organization", since=resync["position"])


async def test_a_trimmed_position_answers_resync_required(server_factory, transactional_db):
    server = server_factory(REALTIME_STREAM_MAXLEN="3")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    client = await connect(server, admin)
    await client.subscribe("organization")
    await in_thread(rename, server, admin, "first")
    first = await client.expect("event")
    for i in range(5):
        await in_thread(rename, server, admin, f"later-{i}")
    await client.events(5)
    await client.ws.close()
    back = await connect(server, admin)
    await back.send(type="subscribe", topic="organization", since=first["position"])
    resync = await back.expect("resync_required", topic="organization")
    assert resync["since"] == first["position"]
    await back.subscribe("organization", since=resync["position"])
    await in_thread(rename, server, admin, "after resync")
    assert (await back.expect("event"))["event"]["data"]["name"] == "after resync"


async def test_first_frame_authentication_and_its_failures(server_factory, transactional_db):
    server = server_factory(REALTIME_AUTH_TIMEOUT_SECONDS="1")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    token = await in_thread(access_token, admin)
    # a valid token in the first frame
    async with websockets.connect(server.ws) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv())["type"] == "welcome"
    # a bad token, another first frame, silence, and a replayed ticket: 4001
    for first in ({"type": "auth", "token": "not-a-jwt"}, {"type": "subscribe", "topic": "organization"}, None):
        async with websockets.connect(server.ws) as ws:
            if first:
                await ws.send(json.dumps(first))
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4001
            assert ws.close_reason == (
                "token_invalid" if first and first["type"] == "auth" else "auth_required" if first else "auth_timeout"
            )
    ticket = await in_thread(server.ticket, token)
    async with websockets.connect(f"{server.ws}?ticket={ticket}") as ws:
        assert json.loads(await ws.recv())["type"] == "welcome"
    async with websockets.connect(f"{server.ws}?ticket={ticket}") as ws:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert (ws.close_code, ws.close_reason) == (4001, "ticket_invalid")


async def test_a_foreign_origin_is_refused_at_the_handshake(server_factory, transactional_db):
    server = server_factory(ALLOWED_HOSTS="*")
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    # A host the server answers to, but not the one this handshake was sent to, is foreign too.
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws, origin=f"http://localhost:{server.port}")
    assert refused.value.response.status_code == 403
    async with websockets.connect(server.ws, origin=f"http://127.0.0.1:{server.port}") as ws:
        await ws.send(json.dumps({"type": "auth", "token": "x"}))
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()


async def test_malformed_frames_get_error_frames_and_the_socket_lives_on(server, org):
    client = await connect(server, org["manager"])
    for bad, code in (
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"type": "launch"}', "unknown_type"),
        ('{"type": "subscribe"}', "invalid_frame"),
        ('{"type": "subscribe", "topic": 5}', "invalid_frame"),
        ('{"type": {}}', "invalid_frame"),
        ('{"type": [], "ref": true}', "invalid_frame"),
        ('{"type": null}', "invalid_frame"),
        ("[" * 2000 + "]" * 2000, "invalid_json"),
        ('{"type": "ping", "ref": ' + "[" * 40 + "]" * 40 + "}", "invalid_json"),
    ):
        await client.ws.send(bad)
        assert (await client.expect("error"))["code"] == code
    await client.ws.send(b"\xff\xfe")
    assert (await client.expect("error"))["code"] == "invalid_json"
    await client.send(type="ping", ref="r1")
    assert (await client.expect("pong"))["ref"] == "r1"


async def test_oversized_and_flooding_clients_are_closed_with_documented_codes(server_factory, transactional_db):
    server = server_factory(REALTIME_INBOUND_RATE="5", REALTIME_INBOUND_BURST="5", REALTIME_MAX_FRAME_BYTES="1024")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    big = await connect(server, admin)
    await big.ws.send(json.dumps({"type": "ping", "ref": "x" * 2000}))
    with pytest.raises(websockets.ConnectionClosed):
        await big.recv()
    assert (big.ws.close_code, big.ws.close_reason) == (4011, "frame_too_big")
    flood = await connect(server, admin)
    with pytest.raises(websockets.ConnectionClosed):
        for _ in range(200):
            await flood.send(type="ping")
        while True:
            await flood.recv()
    assert (flood.ws.close_code, flood.ws.close_reason) == (4029, "rate_limited")


async def test_logout_and_role_changes_close_open_sockets(server_factory, transactional_db):
    server = server_factory(REALTIME_RECHECK_SECONDS="1")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    manager = await in_thread(member_factory, tenant=tenant, role=Role.MANAGER)
    demoted = await connect(server, manager)
    status, _ = await in_thread(
        lambda: server.call("PATCH", f"/api/members/{manager.pk}/", access_token(admin), {"role": "viewer"})
    )
    assert status == 200
    with pytest.raises(websockets.ConnectionClosed):
        await demoted.nothing(5)
    assert demoted.ws.close_code == 4003
    # logout revokes the session: its socket closes with 4001
    from core.auth import issue_tokens

    refresh = await in_thread(issue_tokens, membership=admin)
    ticket = await in_thread(server.ticket, str(refresh.access_token))
    ws = await websockets.connect(f"{server.ws}?ticket={ticket}")
    assert json.loads(await ws.recv())["type"] == "welcome"
    status, _ = await in_thread(
        server.call, "POST", "/api/auth/logout/", str(refresh.access_token), {"refresh": str(refresh)}
    )
    assert status in (200, 204)
    with pytest.raises(websockets.ConnectionClosed):
        await Client(ws).nothing(5)
    assert ws.close_code == 4001


async def test_heartbeats_flow_and_a_silent_client_is_dropped(server_factory, transactional_db):
    server = server_factory(REALTIME_HEARTBEAT_SECONDS="0.5", REALTIME_IDLE_TIMEOUT_SECONDS="2")
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    polite = await connect(server, admin)
    silent = await connect(server, admin)
    deadline = asyncio.get_running_loop().time() + 3.5
    pings = 0
    while asyncio.get_running_loop().time() < deadline:
        if (await polite.recv(2))["type"] == "ping":
            pings += 1
            await polite.send(type="pong")
    assert pings >= 4
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await silent.recv(3)
    assert silent.ws.close_code == 4009
    await polite.send(type="ping")
    await polite.expect("pong")
