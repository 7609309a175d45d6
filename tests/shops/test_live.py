"""Done-when of the shops through a real web process and real WebSocket clients: a cashier's sale
shows on the owner's dashboard within the same second, with the branch's revenue for the day;
another branch's cashier does not see it."""

from __future__ import annotations

import time

import pytest

from core.roles import Role
from domains.shops.models import BranchRole
from tests.factories import branch_factory, member_factory, shop_product, stock_up, tenant_factory
from tests.realtime.conftest import access_token, connect, in_thread
from tests.shops.conftest import assign


@pytest.fixture
def shop(server):  # type: ignore[no-untyped-def]
    tenant = tenant_factory()
    owner = member_factory(tenant=tenant, role=Role.ADMIN)
    north, south = branch_factory(tenant=tenant), branch_factory(tenant=tenant)
    soap = shop_product(tenant=tenant, price="2.50")
    stock_up(soap, 50, actor=owner.user, branch=north)
    cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(cashier, north, BranchRole.CASHIER)
    other = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(other, south, BranchRole.CASHIER)
    return {"owner": owner, "north": north, "soap": soap, "cashier": cashier, "other": other}


async def test_a_cashiers_sale_shows_on_the_owners_dashboard_within_the_second(server, shop):
    dashboard = await connect(server, shop["owner"])
    await dashboard.subscribe("sales")
    await dashboard.subscribe("stock")
    elsewhere = await connect(server, shop["other"])
    await elsewhere.subscribe("sales")
    till = await connect(server, shop["cashier"])
    await till.subscribe("sales")

    revenue = []
    for quantity in (2, 3):
        started = time.monotonic()
        body = {
            "branch": shop["north"].pk,
            "payment_method": "cash",
            "lines": [{"product": shop["soap"].pk, "quantity": quantity}],
        }
        token = await in_thread(access_token, shop["cashier"])
        status, sale = await in_thread(
            lambda body=body, token=token: server.call("POST", "/api/shops/sales/", token, body)
        )
        assert status == 201, sale
        seen = {}
        while "sale.recorded" not in seen or "stock.level_changed" not in seen:
            event = (await dashboard.expect("event", timeout=1))["event"]
            seen[event["type"]] = event
        assert time.monotonic() - started < 1
        recorded = seen["sale.recorded"]["data"]
        assert (recorded["sale_id"], recorded["total"]) == (sale["id"], sale["total"])
        assert seen["stock.level_changed"]["data"]["branch_id"] == shop["north"].pk
        revenue.append(recorded["branch_day_revenue"])
        # the selling cashier sees their branch's sale too
        assert (await till.expect("event", timeout=1))["event"]["data"]["sale_id"] == sale["id"]
    assert revenue == ["5.00", "12.50"]  # the counter ticks with each sale
    await elsewhere.nothing(0.5)  # another branch's cashier sees none of it
