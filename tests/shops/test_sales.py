"""Sales and returns over REST: exact money, stock all-or-nothing per branch, bad input refused
with nothing written, returns that restore exactly what they should."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.roles import Role
from domains.shops.access import audience_for
from domains.shops.models import BranchRole, DailySales, Sale, SaleLine, SaleReturn
from domains.stock.models import BranchStock, Movement, MovementKind, Product
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, shop_product, stock_up, tenant_factory
from tests.shops.conftest import assign

pytestmark = pytest.mark.django_db


def sell(api, member, branch, lines, key=None, **extra):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"branch": branch.pk, "payment_method": "cash", "lines": lines, **extra}
    return api.post("/api/shops/sales/", body, format="json", **bearer(member), **headers)


def on_hand(product, branch) -> Decimal:  # type: ignore[no-untyped-def]
    row = BranchStock.objects.filter(product=product, branch=branch).first()
    return row.on_hand if row else Decimal(0)


def nothing_written(before_movements: int) -> None:
    assert Sale.objects.count() == 0 and SaleLine.objects.count() == 0 and DailySales.objects.count() == 0
    assert Movement.objects.count() == before_movements


def test_a_sale_computes_exact_totals_deducts_branch_stock_and_emits(api, shops):
    s = shops
    answer = sell(
        api,
        s["cashier"],
        s["north"],
        [
            {"product": s["soap"].pk, "quantity": "3"},  # 7.50 at the list price
            {"product": s["tea"].pk, "quantity": "2", "unit_price": "3.99", "discount_percent": "12.5"},
        ],
    )
    assert answer.status_code == 201, answer.json()
    sale = answer.json()
    # 2 x 3.99 = 7.98, less 12.5 % = 6.9825 -> 6.98
    assert (sale["subtotal"], sale["discount_total"], sale["total"]) == ("15.48", "1.00", "14.48")
    assert sale["cost_total"] == str(Decimal("3") * Decimal("1.20") + Decimal("2") * Decimal("2.10"))
    assert on_hand(s["soap"], s["north"]) == 17 and on_hand(s["tea"], s["north"]) == 8
    assert Product.objects.get(pk=s["soap"].pk).on_hand == 0  # the central stock is another balance
    sold = Movement.objects.filter(kind=MovementKind.SALE, source_type="sale", source_id=sale["id"])
    assert sorted((m.product_id, m.branch_id, m.quantity) for m in sold) == sorted(
        [(s["soap"].pk, s["north"].pk, Decimal(-3)), (s["tea"].pk, s["north"].pk, Decimal(-2))]
    )
    event = OutboxEvent.objects.get(type="sale.recorded")
    assert event.data["total"] == "14.48" and event.data["branch_day_revenue"] == "14.48"
    # the branch's cashier sees it; the other branch's cashier is not in the audience
    assert s["cashier"].user_id in event.audience["users"]
    assert s["south_cashier"].user_id not in event.audience["users"]


def test_short_stock_refuses_the_whole_sale(api, shops):
    s = shops
    before = Movement.objects.count()
    answer = sell(
        api,
        s["cashier"],
        s["north"],
        [{"product": s["soap"].pk, "quantity": "5"}, {"product": s["tea"].pk, "quantity": "11"}],
    )
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert [(x["product_id"], x["branch_id"], x["available"]) for x in error["shortages"]] == [
        (s["tea"].pk, s["north"].pk, "10.000")
    ]
    nothing_written(before)
    assert on_hand(s["soap"], s["north"]) == 20


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        ({"quantity": "1", "unit_price": "-1.00"}, "lines.0.unit_price", "min_value"),
        ({"quantity": "1", "discount_percent": "100.01"}, "lines.0.discount_percent", "max_value"),
        ({"quantity": "0"}, "lines.0.quantity", "min_value"),
        ({"quantity": "-2"}, "lines.0.quantity", "min_value"),
        ({"quantity": "1.5"}, "lines.0.quantity", "whole_pieces"),
        ({"quantity": "1", "unit_price": "1.001"}, "lines.0.unit_price", "max_decimal_places"),
    ],
)
def test_bad_lines_are_400_on_the_field_and_nothing_is_written(api, shops, line, field, code):
    before = Movement.objects.count()
    answer = sell(api, shops["cashier"], shops["north"], [{"product": shops["soap"].pk, **line}])
    assert answer.status_code == 400, answer.json()
    assert answer.json()["error"]["fields"][field][0]["code"] == code
    nothing_written(before)


def test_products_of_another_tenant_or_another_branch_cannot_be_sold(api, shops, admin):
    s = shops
    other = shop_product(tenant=tenant_factory())
    before = Movement.objects.count()
    answer = sell(api, s["cashier"], s["north"], [{"product": other.pk, "quantity": "1"}])
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["lines.0.product"][0]["code"] == "does_not_exist"
    # stocked at North only: South has none of it
    answer = sell(api, s["south_cashier"], s["south"], [{"product": s["soap"].pk, "quantity": "1"}])
    assert answer.status_code == 409
    assert answer.json()["error"]["shortages"][0]["available"] == "0.000"
    nothing_written(before)


def test_a_cashier_sells_only_at_their_branch(api, shops):
    answer = sell(api, shops["south_cashier"], shops["north"], [{"product": shops["soap"].pk, "quantity": "1"}])
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "branch_forbidden"
    assert Sale.objects.count() == 0


def test_other_sale_level_refusals(api, shops, tenant):
    s = shops
    no_price = Product.objects.create(tenant=tenant, name="Unpriced", unit="pcs")
    euro = shop_product(tenant=tenant, currency="EUR")
    stock_up(euro, 5, actor=s["cashier"].user, branch=s["north"])
    cases = [
        ([{"product": no_price.pk, "quantity": "1"}], {}, "lines.0.product"),
        ([{"product": s["soap"].pk, "quantity": "1"}, {"product": euro.pk, "quantity": "1"}], {}, "lines"),
        ([{"product": s["soap"].pk, "quantity": "1"}], {"payment_method": "debt"}, "customer_name"),
        ([{"product": s["soap"].pk, "quantity": "1"}], {"payment_method": "barter"}, "payment_method"),
        ([], {}, "lines"),
    ]
    before = Movement.objects.count()
    for lines, extra, field in cases:
        answer = sell(api, s["cashier"], s["north"], lines, **extra)
        assert answer.status_code == 400 and field in answer.json()["error"]["fields"], (field, answer.json())
    nothing_written(before)
    answer = sell(
        api,
        s["cashier"],
        s["north"],
        [{"product": s["soap"].pk, "quantity": "1"}],
        payment_method="debt",
        customer_name="Aziz",
    )
    assert answer.status_code == 201 and answer.json()["customer_name"] == "Aziz"


def test_a_retried_sale_is_sold_once_and_a_reused_key_is_409(api, shops):
    s = shops
    line = [{"product": s["soap"].pk, "quantity": "2"}]
    first = sell(api, s["cashier"], s["north"], line, key="till-1-0001")
    again = sell(api, s["cashier"], s["north"], line, key="till-1-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and on_hand(s["soap"], s["north"]) == 18
    other = sell(api, s["cashier"], s["north"], [{"product": s["soap"].pk, "quantity": "3"}], key="till-1-0001")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_partial_then_full_return_restores_exactly_what_was_sold(api, shops):
    s = shops
    sale = sell(
        api,
        s["cashier"],
        s["north"],
        [
            {"product": s["soap"].pk, "quantity": "3", "discount_percent": "10"},  # 7.50 - 10 % = 6.75
            {"product": s["tea"].pk, "quantity": "1"},
        ],
    ).json()
    soap_line = sale["lines"][0]["id"]
    url = f"/api/shops/sales/{sale['id']}/returns/"
    first = api.post(url, {"lines": [{"sale_line": soap_line, "quantity": "1"}]}, format="json", **bearer(s["cashier"]))
    assert first.status_code == 201, first.json()
    assert first.json()["refund_total"] == "2.25"  # a third of 6.75
    assert on_hand(s["soap"], s["north"]) == 18
    too_much = api.post(
        url, {"lines": [{"sale_line": soap_line, "quantity": "3"}]}, format="json", **bearer(s["cashier"])
    )
    assert too_much.status_code == 400
    assert too_much.json()["error"]["fields"]["lines.0.quantity"][0]["code"] == "exceeds_sold"
    half = api.post(
        url, {"lines": [{"sale_line": soap_line, "quantity": "0.5"}]}, format="json", **bearer(s["cashier"])
    )
    assert half.json()["error"]["fields"]["lines.0.quantity"][0]["code"] == "whole_pieces"
    foreign = api.post(url, {"lines": [{"sale_line": 10**6, "quantity": "1"}]}, format="json", **bearer(s["cashier"]))
    assert foreign.status_code == 400 and "lines.0.sale_line" in foreign.json()["error"]["fields"]
    assert SaleReturn.objects.count() == 1

    rest = api.post(url, {"reason": "changed mind"}, format="json", **bearer(s["cashier"]))
    assert rest.status_code == 201
    # soap: 6.75 - 2.25 = 4.50 left, tea 4.00: the refunds add up to the sale's total exactly
    assert rest.json()["refund_total"] == "8.50"
    assert on_hand(s["soap"], s["north"]) == 20 and on_hand(s["tea"], s["north"]) == 10
    sale_row = Sale.objects.get(pk=sale["id"])
    assert sale_row.refunded_total == sale_row.total == Decimal("10.75")
    again = api.post(url, {}, format="json", **bearer(s["cashier"]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_returned"
    # the day's rollup is back to zero for both products
    assert {(r.quantity, r.revenue, r.cost) for r in DailySales.objects.all()} == {(0, 0, 0)}
    # and the other branch's cashier may not return it
    theirs = api.post(url, {}, format="json", **bearer(s["south_cashier"]))
    assert theirs.status_code == 404  # not even visible to them


def test_sales_list_shows_each_caller_their_branches_in_constant_queries(
    api, shops, admin, django_assert_max_num_queries
):
    s = shops
    for _ in range(3):
        sell(api, s["cashier"], s["north"], [{"product": s["soap"].pk, "quantity": "1"}])
    stock_up(s["soap"], 5, actor=admin.user, branch=s["south"])
    sell(api, s["south_cashier"], s["south"], [{"product": s["soap"].pk, "quantity": "1"}])
    seen = {
        who: len(api.get("/api/shops/sales/", **bearer(member)).json()["results"])
        for who, member in (("admin", admin), ("north", s["cashier"]), ("south", s["south_cashier"]))
    }
    assert seen == {"admin": 4, "north": 3, "south": 1}
    headers = bearer(admin)
    with django_assert_max_num_queries(8):
        api.get("/api/shops/sales/", **headers)


def test_a_product_repriced_in_another_currency_keeps_each_currencys_figures_apart(api, shops, admin):
    s = shops
    sell(api, s["cashier"], s["north"], [{"product": s["soap"].pk, "quantity": "2"}])  # 5.00 USD
    api.patch(
        f"/api/stock/products/{s['soap'].pk}/",
        {"currency": "EUR", "sale_price": "2.00"},
        format="json",
        **bearer(admin),
    )
    sell(api, s["cashier"], s["north"], [{"product": s["soap"].pk, "quantity": "1"}])  # 2.00 EUR
    totals = api.get("/api/shops/reports/summary/", **bearer(admin)).json()["totals"]
    assert {(t["currency"], t["revenue"]) for t in totals} == {("USD", "5.00"), ("EUR", "2.00")}


def test_the_sales_audience_reads_each_members_role_in_this_organization_only(shops, tenant):
    north = shops["north"]
    # a cook here (no sales.view), manager elsewhere, assigned as cashier at North: not in the audience
    cook = member_factory(tenant=tenant, role=Role.COOK)
    member_factory(tenant=tenant_factory(), role=Role.MANAGER, user=cook.user)
    assign(cook, north, BranchRole.CASHIER)
    # a cashier whose membership was deactivated: not in the audience either
    gone = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(gone, north, BranchRole.CASHIER)
    gone.mark_deleted()
    gone.save()
    audience = audience_for(north, "sales.view")
    assert audience == {"roles": ["admin"], "users": [shops["cashier"].user_id]}
