"""Agents' orders from the catalog: the client's prices, the stock 1C reported, one order per
idempotency key, and the sending to 1C (over real HTTP to the simulator) with its number back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from domains.catalog.api import apply_changes
from domains.catalog.models import CatalogProduct, FieldOrder
from domains.onec import services as onec
from domains.visits import services as visits
from realtime.models import OutboxEvent
from tests.catalog.test_exchange import G, batch
from tests.factories import bearer, member_factory
from tests.fieldwork import client_factory
from tests.onec.sim import connect, simulated_1c
from workers.models import PendingJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tenant, field):  # type: ignore[no-untyped-def]
    field["client"].code = "K-1"
    field["client"].save()
    apply_changes(tenant=tenant, changes={**batch(), "client_terms": [{"client": "K-1", "price_type": G["retail"]}]})
    visit = visits.visit_create(
        tenant=tenant,
        actor=field["manager"].user,
        agent=field["agent"].user,
        client=field["client"],
        planned_at=timezone.now(),
    )
    return {
        **field,
        "visit": visit,
        "apple": CatalogProduct.objects.get(guid=G["apple"]),
        "cola": CatalogProduct.objects.get(guid=G["cola"]),
    }


def order(api, shop, lines, key="tap-1", **extra):  # type: ignore[no-untyped-def]
    body = {"client": shop["client"].pk, "visit": shop["visit"].pk, "lines": lines, **extra}
    return api.post("/api/field-orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **bearer(shop["agent"]))


def test_an_agent_orders_at_a_visit_at_the_clients_prices(api, shop):
    response = order(api, shop, [{"product": shop["apple"].pk, "quantity": "3"}], comment="after lunch")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["currency"] == "UZS" and body["total"] == "37500.00"
    assert [(line["product"], line["quantity"], line["price"], line["amount"]) for line in body["lines"]] == [
        ("Apple juice 1 l", "3.000", "12500.00", "37500.00")
    ]
    assert PendingJob.objects.filter(actor_name="onec.send_field_order", args=[body["id"]]).exists()
    event = OutboxEvent.objects.get(type="field_order.status_changed")
    assert event.data["status"] == "pending" and event.audience["users"] == [shop["agent"].user_id]
    # The same tap again: the same order, not a second one.
    again = order(api, shop, [{"product": shop["apple"].pk, "quantity": "3"}], comment="after lunch")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert FieldOrder.objects.count() == 1


def test_more_than_1c_reported_in_stock_is_refused_naming_the_product(api, shop):
    response = order(
        api, shop, [{"product": shop["apple"].pk, "quantity": "12.5"}, {"product": shop["cola"].pk, "quantity": "1"}]
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["shortages"] == [
        {"product_id": shop["cola"].pk, "name": "Cola 0.5 l", "needed": "1.000", "available": "0.000"}
    ]
    assert not FieldOrder.objects.exists() and not PendingJob.objects.exists()


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": "1"}]}, "lines"),
        ({"lines": [{"product": "apple", "quantity": "1"}]}, "lines"),
        ({"quantity": "0"}, "lines"),
        ({"quantity": "1.0001"}, "lines"),
        ({"duplicate": True}, "lines"),
        ({"client": 999999}, "client"),
        ({"visit": 999999}, "visit"),
        ({"comment": "x" * 501}, "comment"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_orders_get_a_400_naming_the_field(api, shop, change, name):
    line = {"product": shop["apple"].pk, "quantity": change.pop("quantity", "1")}
    lines = change.pop("lines", [line, line] if change.pop("duplicate", False) else [line])
    body = {"client": shop["client"].pk, "visit": shop["visit"].pk, "lines": lines, **change}
    response = api.post("/api/field-orders/", body, format="json", **bearer(shop["agent"]))
    assert response.status_code == 400, response.content
    assert any(key == name or key.startswith(f"{name}.") for key in response.json()["error"]["fields"])
    assert not FieldOrder.objects.exists()


def test_an_agent_orders_only_for_their_clients_and_visits(api, tenant, shop):
    other = shop["other_agent"]
    body = {"client": shop["client"].pk, "lines": [{"product": shop["apple"].pk, "quantity": "1"}]}
    refused = api.post("/api/field-orders/", body, format="json", **bearer(other))
    assert refused.status_code == 400 and "client" in refused.json()["error"]["fields"]
    cook = member_factory(tenant=tenant, role=Role.COOK)
    assert api.post("/api/field-orders/", body, format="json", **bearer(cook)).status_code == 403
    assert api.get("/api/field-orders/", **bearer(cook)).status_code == 403


def test_no_price_type_or_no_price_is_a_409(api, tenant, shop):
    stranger = client_factory(tenant=tenant, name="No terms", agents=[shop["agent"]])
    body = {"client": stranger.pk, "lines": [{"product": shop["apple"].pk, "quantity": "1"}]}
    assert (
        api.post("/api/field-orders/", body, format="json", **bearer(shop["agent"])).json()["error"]["code"]
        == "no_price_type"
    )
    apply_changes(tenant=tenant, changes={"client_terms": [{"client": "K-1", "price_type": G["wholesale"]}]})
    response = order(api, shop, [{"product": shop["cola"].pk, "quantity": "1"}])  # cola has no wholesale price
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_price"


def test_the_order_goes_to_1c_once_and_its_number_comes_back(api, tenant, shop):
    placed = order(api, shop, [{"product": shop["apple"].pk, "quantity": "2"}]).json()
    with simulated_1c(clients=1, products=1) as sim:
        connect(tenant, sim)
        sim.primary.down = sim.failover.down = True
        with pytest.raises(onec.NotSent):  # 1C away: the job is retried later
            onec.send_field_order(order_id=placed["id"])
        pending = FieldOrder.objects.get(pk=placed["id"])
        assert pending.status == "pending" and pending.send_attempts == 1 and "HTTP 503" in pending.last_error
        sim.primary.down = sim.failover.down = False
        onec.send_field_order(order_id=placed["id"])
        onec.send_field_order(order_id=placed["id"])  # a repeated job: nothing more is sent
        assert sim.base.state()["documents"] == 1
        document = next(iter(sim.base.documents.values()))
    assert document["body"]["client"] == "K-1" and document["body"]["lines"][0]["amount"] == "25000.00"
    sent = api.get(f"/api/field-orders/{placed['id']}/", **bearer(shop["agent"])).json()
    assert (sent["status"], sent["onec_number"], sent["onec_status"]) == ("sent", "SIM-000001", "accepted")
    statuses = [e.data["status"] for e in OutboxEvent.objects.filter(type="field_order.status_changed").order_by("pk")]
    assert statuses == ["pending", "sent"]


def test_managers_see_every_order_agents_their_own(api, tenant, shop):
    order(api, shop, [{"product": shop["apple"].pk, "quantity": "1"}])
    assert len(api.get("/api/field-orders/", **bearer(shop["manager"])).json()["results"]) == 1
    assert api.get("/api/field-orders/", **bearer(shop["other_agent"])).json()["results"] == []
    assert Decimal(api.get("/api/field-orders/", **bearer(shop["agent"])).json()["results"][0]["total"]) == Decimal(
        12500
    )
