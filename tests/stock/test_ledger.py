"""Products, deliveries, adjustments and reversals over REST: the ledger and balances agree,
bad input is refused with the field named, and nothing is half-written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.roles import Role
from domains.stock.models import Delivery, Movement, Product
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, product_factory, stock_up, tenant_factory

pytestmark = pytest.mark.django_db


def post(api, url, body, who):  # type: ignore[no-untyped-def]
    return api.post(url, body, format="json", **bearer(who))


TODAY = datetime.date.today().isoformat()


def ledger_sum(product: Product) -> Decimal:
    return Movement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or Decimal(0)


def deliver(api, who, lines, **extra):  # type: ignore[no-untyped-def]
    body = {"delivered_on": TODAY, "supplier": "Agro", "lines": lines, **extra}
    return post(api, "/api/stock/deliveries/", body, who)


def test_a_delivery_moves_stock_in_and_the_ledger_records_who_when_and_the_balance(api, tenant, admin):
    rice = product_factory(tenant=tenant, name="Rice")
    oil = product_factory(tenant=tenant, name="Oil", unit="ml")
    # when
    answer = deliver(api, admin, [{"product": rice.pk, "quantity": "2500.5"}, {"product": oil.pk, "quantity": "1000"}])
    # then
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [(line["product"], line["quantity"]) for line in body["lines"]] == [
        (rice.pk, "2500.500"),
        (oil.pk, "1000.000"),
    ]
    rice.refresh_from_db()
    assert rice.on_hand == Decimal("2500.5") == ledger_sum(rice)
    ledger = api.get(f"/api/stock/movements/?product={rice.pk}", **bearer(admin)).json()["results"]
    assert [(m["kind"], m["quantity"], m["balance_after"], m["created_by"]) for m in ledger] == [
        ("delivery", "2500.500", "2500.500", admin.user_id)
    ]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "0"}, "lines.1.quantity"),
        ({"quantity": "-5"}, "lines.1.quantity"),
        ({"quantity": "1.0001"}, "lines.1.quantity"),
        ({"quantity": "abc"}, "lines.1.quantity"),
        ({"quantity": "1e12"}, "lines.1.quantity"),
        ({"product": 999999}, "lines.1.product"),
        ({"colour": "red"}, "lines.1.colour"),
    ],
)
def test_bad_delivery_lines_name_the_field_and_write_nothing(api, tenant, admin, line, field):
    rice = product_factory(tenant=tenant, name="Rice")
    good = {"product": rice.pk, "quantity": "10"}
    answer = deliver(api, admin, [good, {**good, **line}])
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"], answer.json()
    assert not Delivery.objects.exists() and not Movement.objects.exists()


def test_a_product_of_another_tenant_is_refused_like_an_unknown_one(api, tenant, admin):
    foreign = product_factory(tenant=tenant_factory(), name="Foreign rice")
    answer = deliver(api, admin, [{"product": foreign.pk, "quantity": "10"}])
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["lines.0.product"][0]["code"] == "does_not_exist"
    foreign.refresh_from_db()
    assert foreign.on_hand == 0


def test_deliveries_may_be_dated_a_day_ahead_but_not_more(api, tenant, admin):
    rice = product_factory(tenant=tenant)
    line = [{"product": rice.pk, "quantity": "1"}]
    ahead = datetime.date.today() + datetime.timedelta(days=3)
    answer = deliver(api, admin, line, delivered_on=ahead.isoformat())
    assert answer.status_code == 400 and "delivered_on" in answer.json()["error"]["fields"]
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert deliver(api, admin, line, delivered_on=tomorrow.isoformat()).status_code == 201


def test_units_and_names_are_validated(api, tenant, admin):
    answer = post(api, "/api/stock/products/", {"name": "Rice", "unit": "kg"}, admin)
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["unit"][0]["code"] == "invalid_choice"
    assert post(api, "/api/stock/products/", {"name": "Rice", "unit": "g"}, admin).status_code == 201
    again = post(api, "/api/stock/products/", {"name": "rice", "unit": "g"}, admin)
    assert again.status_code == 400 and again.json()["error"]["fields"]["name"][0]["code"] == "unique"
    rice = Product.objects.get(name="Rice")
    changed = api.patch(f"/api/stock/products/{rice.pk}/", {"unit": "ml"}, format="json", **bearer(admin))
    assert changed.status_code == 400 and changed.json()["error"]["fields"]["unit"][0]["code"] == "read_only"


def test_waste_and_physical_counts_are_adjustments_with_a_reason(api, tenant, admin):
    milk = product_factory(tenant=tenant, name="Milk", unit="ml")
    stock_up(milk, 5000, actor=admin.user)
    waste = post(
        api,
        "/api/stock/adjustments/",
        {"product": milk.pk, "reason": "waste", "quantity": "-700", "note": "spoiled"},
        admin,
    )
    assert waste.status_code == 201 and waste.json()["product"]["on_hand"] == "4300.000"
    count = post(api, "/api/stock/adjustments/", {"product": milk.pk, "reason": "count", "counted": "4000"}, admin)
    assert count.status_code == 201
    assert (count.json()["movement"]["quantity"], count.json()["movement"]["reason"]) == ("-300.000", "count")
    matched = post(api, "/api/stock/adjustments/", {"product": milk.pk, "reason": "count", "counted": "4000"}, admin)
    assert matched.status_code == 200 and matched.json()["movement"] is None
    milk.refresh_from_db()
    assert milk.on_hand == Decimal(4000) == ledger_sum(milk)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "waste", "quantity": "5"}, "quantity"),
        ({"reason": "waste", "quantity": "0"}, "quantity"),
        ({"reason": "count", "quantity": "-5"}, "counted"),
        ({"reason": "waste"}, "quantity"),
        ({"reason": "theft?", "quantity": "-1"}, "reason"),
        ({"reason": "correction", "quantity": "-1", "counted": "3"}, "quantity"),
    ],
)
def test_bad_adjustments_are_refused(api, tenant, admin, body, field):
    salt = product_factory(tenant=tenant)
    stock_up(salt, 10, actor=admin.user)
    answer = post(api, "/api/stock/adjustments/", {"product": salt.pk, **body}, admin)
    assert answer.status_code == 400 and field in answer.json()["error"]["fields"], answer.json()
    assert Movement.objects.count() == 1


def test_stock_never_goes_negative_and_the_refusal_names_needed_and_available(api, tenant, admin):
    salt = product_factory(tenant=tenant, name="Salt")
    stock_up(salt, 10, actor=admin.user)
    answer = post(api, "/api/stock/adjustments/", {"product": salt.pk, "reason": "waste", "quantity": "-11"}, admin)
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["shortages"] == [
        {
            "product_id": salt.pk,
            "branch_id": None,
            "name": "Salt",
            "unit": "g",
            "needed": "11.000",
            "available": "10.000",
        }
    ]


def test_a_reversal_undoes_once_and_a_void_reverses_every_line(api, tenant, admin):
    rice = product_factory(tenant=tenant)
    wrong = stock_up(rice, 100, actor=admin.user)
    waste = post(
        api, "/api/stock/adjustments/", {"product": rice.pk, "reason": "waste", "quantity": "-30"}, admin
    ).json()["movement"]
    # when the waste entry is reversed, then reversed again
    first = post(api, f"/api/stock/movements/{waste['id']}/reverse/", {"note": "was not spoiled"}, admin)
    second = post(api, f"/api/stock/movements/{waste['id']}/reverse/", {}, admin)
    # then
    assert first.status_code == 201 and first.json()["reverses"] == waste["id"]
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_reversed"
    again = post(api, f"/api/stock/movements/{first.json()['id']}/reverse/", {}, admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_reversible"
    # and voiding the delivery takes its 100 back out
    void = post(api, f"/api/stock/deliveries/{wrong.pk}/void/", {"reason": "typo"}, admin)
    assert void.status_code == 200 and void.json()["voided"] is True
    assert post(api, f"/api/stock/deliveries/{wrong.pk}/void/", {"reason": "x"}, admin).status_code == 409
    rice.refresh_from_db()
    assert rice.on_hand == 0 == ledger_sum(rice)


def test_a_delivery_partly_used_cannot_be_voided(api, tenant, admin):
    rice = product_factory(tenant=tenant)
    delivery = stock_up(rice, 100, actor=admin.user)
    post(api, "/api/stock/adjustments/", {"product": rice.pk, "reason": "waste", "quantity": "-1"}, admin)
    answer = post(api, f"/api/stock/deliveries/{delivery.pk}/void/", {"reason": "typo"}, admin)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "insufficient_stock"
    delivery.refresh_from_db()
    assert delivery.voided_at is None and Movement.objects.filter(kind="reversal").count() == 0


def test_low_stock_is_announced_once_per_crossing(tenant, admin, api):
    created = post(api, "/api/stock/products/", {"name": "Rice", "unit": "g", "minimum": "100"}, admin)
    rice = Product.objects.get(pk=created.json()["id"])  # 0 on hand: low from the start
    stock_up(rice, 150, actor=admin.user)

    def waste(quantity: str) -> None:
        body = {"product": rice.pk, "reason": "waste", "quantity": quantity}
        assert post(api, "/api/stock/adjustments/", body, admin).status_code == 201

    waste("-60")  # 90: crosses below
    waste("-10")  # 80: still below, no second alarm
    stock_up(rice, 30, actor=admin.user)  # 110: back above
    waste("-5")  # 105: above, nothing
    crossings = OutboxEvent.objects.filter(type__in=["stock.low", "stock.recovered"]).order_by("pk")
    kinds = [(e.type, e.data["quantity"]) for e in crossings]
    assert kinds == [
        ("stock.low", "0.000"),
        ("stock.recovered", "150.000"),
        ("stock.low", "90.000"),
        ("stock.recovered", "110.000"),
    ]
    assert OutboxEvent.objects.filter(type="stock.level_changed").count() == 5
    low = api.get("/api/stock/products/?low=true", **bearer(admin)).json()["results"]
    assert low == []


def test_ledger_filters_by_product_kind_user_and_time(api, tenant, admin):
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    rice, salt = product_factory(tenant=tenant), product_factory(tenant=tenant)
    stock_up(rice, 10, actor=admin.user)
    stock_up(salt, 10, actor=manager.user)
    post(api, "/api/stock/adjustments/", {"product": salt.pk, "reason": "waste", "quantity": "-1"}, manager)

    def ids(query: str) -> list[str]:
        answer = api.get(f"/api/stock/movements/?{query}", **bearer(admin))
        assert answer.status_code == 200, answer.json()
        return [(m["product"], m["kind"]) for m in answer.json()["results"]]

    assert ids(f"product={salt.pk}") == [(salt.pk, "adjustment"), (salt.pk, "delivery")]
    assert ids("kind=delivery") == [(salt.pk, "delivery"), (rice.pk, "delivery")]
    assert ids(f"user={admin.user_id}") == [(rice.pk, "delivery")]
    assert ids("since=2999-01-01T00:00:00Z") == []
    assert api.get("/api/stock/movements/?kind=gift", **bearer(admin)).status_code == 400


def test_roles_cook_cannot_see_or_change_stock_viewer_only_reads(api, tenant, admin):
    cook = member_factory(tenant=tenant, role=Role.COOK)
    viewer = member_factory(tenant=tenant, role=Role.VIEWER)
    rice = product_factory(tenant=tenant)
    assert api.get("/api/stock/products/", **bearer(cook)).status_code == 403
    assert api.get("/api/stock/products/", **bearer(viewer)).status_code == 200
    assert deliver(api, viewer, [{"product": rice.pk, "quantity": "1"}]).status_code == 403
    assert deliver(api, cook, [{"product": rice.pk, "quantity": "1"}]).status_code == 403
