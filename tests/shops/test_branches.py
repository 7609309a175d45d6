"""Stores, branches and their staff; per-branch stock on the shared ledger; transfers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from core.roles import Role
from domains.shops.models import BranchRole, BranchStaff, ExpenseCategory
from domains.stock.models import BranchStock, Movement, MovementKind, Product, Transfer
from tests.factories import bearer, branch_factory, member_factory, product_factory, stock_up, tenant_factory
from tests.shops.conftest import assign

pytestmark = pytest.mark.django_db


def post(api, member, url, body):  # type: ignore[no-untyped-def]
    return api.post(url, body, format="json", **bearer(member))


def test_an_admin_builds_stores_branches_and_staff(api, admin, tenant):
    store = post(api, admin, "/api/shops/stores/", {"name": "Corner shop", "address": "Navoi 1"})
    assert store.status_code == 201
    branch = post(api, admin, "/api/shops/branches/", {"store": store.json()["id"], "name": "Chilonzor"})
    assert branch.status_code == 201 and branch.json()["store_name"] == "Corner shop"
    url = f"/api/shops/branches/{branch.json()['id']}/staff/"
    cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    assert post(api, admin, url, {"user": cashier.user_id, "role": "cashier"}).status_code == 201
    assert post(api, admin, url, {"user": cashier.user_id, "role": "viewer"}).status_code == 201  # a role change
    assert [(r["user_id"], r["role"]) for r in api.get(url, **bearer(admin)).json()] == [(cashier.user_id, "viewer")]
    # only staff of this organization can be assigned
    stranger = member_factory(tenant=tenant_factory())
    answer = post(api, admin, url, {"user": stranger.user_id, "role": "cashier"})
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["user"][0]["code"] == "does_not_exist"
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER)
    answer = post(api, admin, url, {"user": customer.user_id, "role": "cashier"})
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["user"][0]["code"] == "not_a_member"
    assert api.delete(f"{url}{cashier.user_id}/", **bearer(admin)).status_code == 204
    assert not BranchStaff.objects.exists()
    # names are unique per organization; a store with branches cannot be deleted
    again = post(api, admin, "/api/shops/branches/", {"store": store.json()["id"], "name": "chilonzor"})
    assert again.status_code == 400 and "name" in again.json()["error"]["fields"]
    answer = api.delete(f"/api/shops/stores/{store.json()['id']}/", **bearer(admin))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "store_has_branches"
    # only admins manage them
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    assert post(api, manager, "/api/shops/stores/", {"name": "Mine"}).status_code == 403


def test_a_branch_role_narrows_but_never_widens_the_organization_role(api, tenant, shops):
    # a manager assigned as cashier at North sells there but cannot record its expenses
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    assign(manager, shops["north"], BranchRole.CASHIER)
    sale = {
        "branch": shops["north"].pk,
        "payment_method": "card",
        "lines": [{"product": shops["soap"].pk, "quantity": 1}],
    }
    assert post(api, manager, "/api/shops/sales/", sale).status_code == 201
    rent = ExpenseCategory.objects.get(tenant=tenant, name="Rent")
    expense = {
        "branch": shops["north"].pk,
        "category": rent.pk,
        "amount": "5",
        "currency": "USD",
        "spent_on": "2026-01-01",
    }
    answer = post(api, manager, "/api/shops/expenses/", expense)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "branch_forbidden"
    assign(manager, shops["north"], BranchRole.MANAGER)  # re-assigned as manager: now they may
    assert post(api, manager, "/api/shops/expenses/", expense).status_code == 201
    # a viewer assigned as manager gains nothing: their organization role cannot sell
    viewer = member_factory(tenant=tenant, role=Role.VIEWER)
    assign(viewer, shops["north"], BranchRole.MANAGER)
    assert post(api, viewer, "/api/shops/sales/", sale).status_code == 403
    # a manager with no assignment works nowhere
    idle = member_factory(tenant=tenant, role=Role.MANAGER)
    answer = post(api, idle, "/api/shops/sales/", sale)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "branch_forbidden"
    assert api.get("/api/shops/sales/", **bearer(idle)).json()["results"] == []


def test_branch_stock_is_its_own_balance_on_the_ledger(api, admin, tenant, shops):
    s = shops
    rows = api.get(f"/api/shops/branches/{s['north'].pk}/stock/", **bearer(s["cashier"])).json()["results"]
    assert {(r["product_name"], r["on_hand"]) for r in rows} == {("Soap", "20.000"), ("Tea", "10.000")}
    # the other branch's cashier may not look at North's shelves
    assert api.get(f"/api/shops/branches/{s['north'].pk}/stock/", **bearer(s["south_cashier"])).status_code == 403
    # a delivery to the central stock and an adjustment at a branch
    stock_up(s["soap"], 100, actor=admin.user)
    answer = post(
        api,
        admin,
        "/api/stock/adjustments/",
        {"product": s["soap"].pk, "branch": s["north"].pk, "reason": "waste", "quantity": "-2"},
    )
    assert answer.status_code == 201, answer.json()
    assert Product.objects.get(pk=s["soap"].pk).on_hand == 100
    assert BranchStock.objects.get(product=s["soap"], branch=s["north"]).on_hand == 18
    counted = post(
        api,
        admin,
        "/api/stock/adjustments/",
        {"product": s["soap"].pk, "branch": s["north"].pk, "reason": "count", "counted": "15"},
    )
    assert counted.status_code == 201 and counted.json()["movement"]["quantity"] == "-3.000"
    # a branch-specific low-stock line
    answer = post(
        api, admin, f"/api/shops/branches/{s['north'].pk}/minimum/", {"product": s["soap"].pk, "minimum": "16"}
    )
    assert answer.status_code == 200 and answer.json()["is_low"] is True
    low = api.get("/api/shops/reports/low-stock/", **bearer(admin)).json()["results"]
    assert [(r["branch"], r["product_name"]) for r in low] == [(s["north"].pk, "Soap")]


def test_a_transfer_is_two_ledger_rows_or_nothing(api, admin, shops):
    s = shops
    body = {"product": s["soap"].pk, "quantity": "5", "from_branch": s["north"].pk, "to_branch": s["south"].pk}
    answer = post(api, admin, "/api/stock/transfers/", body)
    assert answer.status_code == 201, answer.json()
    rows = Movement.objects.filter(kind=MovementKind.TRANSFER).order_by("pk")
    assert [(m.branch_id, m.quantity) for m in rows] == [(s["north"].pk, Decimal(-5)), (s["south"].pk, Decimal(5))]
    assert answer.json()["movements"] == [m.pk for m in rows]
    # too much: 409, and neither side moves
    before = Movement.objects.count()
    answer = post(api, admin, "/api/stock/transfers/", {**body, "quantity": "16"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "insufficient_stock"
    assert Movement.objects.count() == before and Transfer.objects.count() == 1
    # to the same place, or to another tenant's branch: 400
    assert post(api, admin, "/api/stock/transfers/", {**body, "to_branch": s["north"].pk}).status_code == 400
    foreign = branch_factory(tenant=tenant_factory())
    answer = post(api, admin, "/api/stock/transfers/", {**body, "to_branch": foreign.pk})
    assert answer.status_code == 400 and "to_branch" in answer.json()["error"]["fields"]
    # from the central stock to a branch
    stock_up(s["tea"], 30, actor=admin.user)
    central = {"product": s["tea"].pk, "quantity": "7", "to_branch": s["south"].pk}  # from the central stock
    assert post(api, admin, "/api/stock/transfers/", central).status_code == 201
    assert Product.objects.get(pk=s["tea"].pk).on_hand == 23
    # every balance equals the sum of its movements
    for row in BranchStock.objects.all():
        moved = Movement.objects.filter(product=row.product, branch=row.branch).aggregate(s=Sum("quantity"))["s"]
        assert row.on_hand == moved
    for product in Product.objects.all():
        moved = Movement.objects.filter(product=product, branch=None).aggregate(s=Sum("quantity"))["s"] or 0
        assert product.on_hand == moved


def test_a_branch_holding_stock_cannot_be_deleted(api, admin, shops):
    answer = api.delete(f"/api/shops/branches/{shops['north'].pk}/", **bearer(admin))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "branch_has_stock"
    assert api.delete(f"/api/shops/branches/{shops['south'].pk}/", **bearer(admin)).status_code == 204


def test_products_for_sale_have_unique_codes_and_sane_prices(api, admin, tenant):
    body = {"name": "Cola", "unit": "pcs", "sku": "COLA-1", "barcode": "4780000000011", "sale_price": "1.20"}
    answer = post(api, admin, "/api/stock/products/", {**body, "cost_price": "0.70", "currency": "UZS"})
    assert answer.status_code == 201 and answer.json()["sale_price"] == "1.20"
    clash = post(api, admin, "/api/stock/products/", {**body, "name": "Cola 2", "barcode": ""})
    assert clash.status_code == 400 and clash.json()["error"]["fields"]["sku"][0]["code"] == "unique"
    for field, value, code in (
        ("sale_price", "-1", "min_value"),
        ("cost_price", "0.001", "max_decimal_places"),
        ("currency", "usd", "invalid"),
    ):
        answer = post(api, admin, "/api/stock/products/", {"name": f"X {field}", "unit": "pcs", field: value})
        assert answer.status_code == 400 and answer.json()["error"]["fields"][field][0]["code"] == code
    found = api.get("/api/stock/products/?for_sale=true&search=4780000000011", **bearer(admin)).json()["results"]
    assert [p["name"] for p in found] == ["Cola"]
    product_factory(tenant=tenant, name="Flour")  # an ingredient: not for sale
    assert len(api.get("/api/stock/products/?for_sale=true", **bearer(admin)).json()["results"]) == 1
