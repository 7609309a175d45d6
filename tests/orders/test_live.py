"""Done-when of orders through a real web process (embedded worker) and real WebSocket clients:
the customer watching their order sees the PIN appear without refreshing; nobody else sees it
except staff allowed to."""

from __future__ import annotations

import time

import pytest

from core.roles import Role
from tests.factories import member_factory, order_catalog, tenant_factory
from tests.realtime.conftest import Client, access_token, connect, in_thread


async def next_event(client: Client, event_type: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = await client.expect("event", timeout=max(deadline - time.monotonic(), 0.01))
        if frame["event"]["type"] == event_type:
            return frame["event"]


@pytest.fixture
def shop(server):  # type: ignore[no-untyped-def]
    tenant = tenant_factory()
    # Accepted at once, completed 1 s later, first status check 2 s after dispatch.
    _, package = order_catalog(tenant=tenant, simulation={"delay_seconds": 1}, first_check_seconds=2)
    return {
        "package": package,
        "customer": member_factory(tenant=tenant, role=Role.CUSTOMER),
        "other": member_factory(tenant=tenant, role=Role.CUSTOMER),
        "viewer": member_factory(tenant=tenant, role=Role.VIEWER),
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
    }


async def test_the_customer_sees_the_pin_appear_live_and_nobody_else_does(server, shop, worker):
    # Embedded, the server's own worker dispatches; with Redis, ``worker`` (a real Dramatiq worker
    # in this process) does, as a `manage.py worker` would.
    phone = await connect(server, shop["customer"])
    await phone.subscribe("orders")
    neighbour = await connect(server, shop["other"])
    await neighbour.subscribe("orders")
    viewer = await connect(server, shop["viewer"])
    await viewer.subscribe("orders")
    manager = await connect(server, shop["manager"])
    await manager.subscribe("orders")

    body = {"package": shop["package"].pk, "account": "player-1"}
    token = await in_thread(access_token, shop["customer"])
    status, order = await in_thread(lambda: server.call("POST", "/api/orders/", token, body))
    assert status == 201, order
    assert order["pin"] is None

    statuses = []
    while True:
        event = (await phone.expect("event", timeout=10))["event"]
        if event["type"] == "order.pin_ready":
            break
        assert event["data"]["order_id"] == order["id"]
        statuses.append(event["data"]["status"])
    assert statuses == ["created", "dispatched", "completed"]
    pin = event["data"]["pin"]
    assert pin and not pin.startswith("fernet:")  # opened for the recipient

    status, fresh = await in_thread(lambda: server.call("GET", f"/api/orders/{order['id']}/", token))
    assert fresh["pin"] == pin and fresh["status"] == "completed"
    assert (await next_event(manager, "order.pin_ready"))["data"]["pin"] == pin
    seen_by_viewer = []
    for _ in range(3):
        seen_by_viewer.append((await viewer.expect("event"))["event"]["type"])
    assert seen_by_viewer == ["order.status_changed"] * 3
    await viewer.nothing(within=0.5)  # no PIN for a viewer
    await neighbour.nothing(within=0.2)  # and nothing at all about someone else's order
