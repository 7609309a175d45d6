"""Done-when of the kitchen, through a real web process and real WebSocket clients: a cook's
serve changes the manager's portions within the second; the variance alarm reaches managers live
and never cooks."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import pytest

from core.roles import Role
from domains.kitchen import services
from realtime.fanout import fan_out
from tests.factories import meal_factory, member_factory, product_factory, stock_up, tenant_factory
from tests.realtime.conftest import Client, access_token, connect, in_thread


async def next_event(client: Client, event_type: str, timeout: float = 5) -> dict:
    """The next event of ``event_type``, skipping other events of the subscribed topics."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await client.expect("event", timeout=max(deadline - time.monotonic(), 0.01))
        if frame["event"]["type"] == event_type:
            return frame["event"]


@pytest.fixture
def kitchen(server):  # type: ignore[no-untyped-def]
    tenant = tenant_factory()
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    cook = member_factory(tenant=tenant, role=Role.COOK)
    rice = product_factory(tenant=tenant, name="Rice")
    stock_up(rice, 1000, actor=manager.user)
    plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100})
    # The counts those changes asked for, settled here: the server must be the only one to
    # recompute what the test's requests change.
    fan_out()
    return {"tenant": tenant, "manager": manager, "cook": cook, "rice": rice, "plov": plov}


async def test_a_cooks_serve_changes_the_managers_portions_within_the_second(server, kitchen, worker):
    # Embedded, the server's own worker recomputes portions; with Redis, ``worker`` (a real
    # Dramatiq worker in this process) does, as a `manage.py worker` would.
    dashboard = await connect(server, kitchen["manager"])
    await dashboard.subscribe("kitchen")
    await dashboard.subscribe("stock")
    phone = await connect(server, kitchen["cook"])
    await phone.subscribe("kitchen")
    # when the cook serves from the phone
    started = time.monotonic()
    url = f"/api/kitchen/meals/{kitchen['plov'].pk}/serve/"
    status, body = await in_thread(lambda: server.call("POST", url, access_token(kitchen["cook"]), {"portions": 3}))
    assert status == 201, body
    # then the dashboard shows the new count within the second
    seen = {}
    while "kitchen.portions_changed" not in seen:
        event = (await dashboard.expect("event", timeout=1))["event"]
        seen[event["type"]] = event
    assert time.monotonic() - started < 1
    while len(seen) < 3:  # and, in whatever order, the serving and the stock level
        event = (await dashboard.expect("event"))["event"]
        seen[event["type"]] = event
    portions = seen["kitchen.portions_changed"]
    assert portions["data"]["meals"][0] | {"version": 0} == {
        "meal_id": kitchen["plov"].pk,
        "name": "Plov",
        "portions": 7,
        "version": 0,
    }
    level = seen["stock.level_changed"]
    assert seen["kitchen.meal_served"]["data"]["served_by"] == kitchen["cook"].user_id
    assert (level["data"]["quantity"], level["data"]["kind"]) == ("700.000", "serving")
    # the cook sees portions too, but not who served what (analytics) and not stock at all
    assert (await next_event(phone, "kitchen.portions_changed"))["data"]["meals"][0]["portions"] == 7
    await phone.send(type="subscribe", topic="stock")
    assert (await phone.expect("error"))["code"] == "forbidden_topic"
    await phone.nothing(0.5)


# The report is built in this test process (to close the month on a fake clock): its events
# reach the server's sockets through Redis, so this runs in the services run only.
@pytest.mark.services
async def test_the_variance_alarm_reaches_managers_live_and_not_cooks(server, kitchen, worker):
    dashboard = await connect(server, kitchen["manager"])
    await dashboard.subscribe("alarms")
    phone = await connect(server, kitchen["cook"])
    await phone.send(type="subscribe", topic="alarms")
    assert (await phone.expect("error"))["code"] == "forbidden_topic"
    await phone.subscribe("kitchen")

    def lose_rice_and_close_the_month() -> None:
        from decimal import Decimal

        from domains.stock import services as stock

        services.serve(meal=kitchen["plov"], portions=5, actor=kitchen["cook"].user)
        stock.adjust(product=kitchen["rice"], reason="count", counted=Decimal(300), actor=kitchen["manager"].user)
        month_end = services.month_bounds(kitchen["tenant"], date.today())[1]
        services.build_variance_report(tenant=kitchen["tenant"], month=date.today(), now=month_end + timedelta(hours=1))
        services.build_variance_report(tenant=kitchen["tenant"], month=date.today(), now=month_end + timedelta(hours=2))

    await in_thread(lose_rice_and_close_the_month)
    alarm = await next_event(dashboard, "alarm.variance")
    # 500 g served, 700 g left stock: possible 7, served 5
    assert (alarm["data"]["served"], alarm["data"]["possible"], alarm["data"]["difference_pct"]) == (5, 7, "28.57")
    await dashboard.nothing(0.7)  # the rebuild raised no second alarm
    frames = []
    with pytest.raises(TimeoutError):
        while True:
            frames.append(await asyncio.wait_for(phone.recv(), 0.7))
    assert {f["event"]["type"] for f in frames if f["type"] == "event"} == {"kitchen.portions_changed"}
