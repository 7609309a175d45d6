"""The reports reconcile: after generated traffic over several days, every figure of the report
endpoints equals the same figure recomputed from the raw rows (sale lines, return lines,
expenses), and every branch balance equals the sum of its ledger rows."""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict
from core.roles import Role
from domains.shops import services
from domains.shops.models import Expense, ExpenseCategory, SaleLine, SaleReturnLine
from domains.stock.models import BranchStock, Category, Movement
from tests.factories import bearer, branch_factory, member_factory, shop_product, stock_up
from tests.shops.conftest import assign

pytestmark = pytest.mark.django_db
ZERO = Decimal(0)


@pytest.fixture
def traffic(tenant, admin, monkeypatch):  # type: ignore[no-untyped-def]
    """Five days of sales, partial and full returns and expenses at three branches."""
    rng = random.Random(7)
    branches = [branch_factory(tenant=tenant, name=f"B{i}") for i in range(3)]
    drinks = Category.objects.create(tenant=tenant, name="Drinks")
    food = Category.objects.create(tenant=tenant, name="Food")
    products = [
        shop_product(tenant=tenant, price="1.99", cost="1.10"),
        shop_product(tenant=tenant, price="0.35", cost="0.20"),
        shop_product(tenant=tenant, price="12.00", cost="7.33"),
        shop_product(tenant=tenant, price="5.00", cost=None),  # no cost known: costs 0
        shop_product(tenant=tenant, price="3.50", cost="2.00", currency="EUR"),
    ]
    for product, category in zip(products, [drinks, drinks, food, None, food], strict=True):
        product.category = category
        product.save()
        for branch in branches:
            stock_up(product, 500, actor=admin.user, branch=branch)
    categories = list(ExpenseCategory.objects.filter(tenant=tenant))
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=6)
    sales = []
    for day in range(5):
        now = start + timedelta(days=day)
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        for _ in range(12):
            branch = rng.choice(branches)
            currency = rng.choice(["USD", "USD", "EUR"])
            pool = [p for p in products if p.currency == currency]
            lines = [
                {
                    "product": product,
                    "quantity": Decimal(rng.randint(1, 6)),
                    "discount_percent": rng.choice([ZERO, ZERO, Decimal("5"), Decimal("12.5")]),
                    **({"unit_price": Decimal("1.49")} if rng.random() < 0.1 else {}),
                }
                for product in rng.sample(pool, rng.randint(1, len(pool)))
            ]
            sale, _ = services.sale_record(
                tenant=tenant, branch=branch, actor=admin.user, lines=lines, payment_method="card"
            )
            sales.append(sale)
        for sale in rng.sample(sales, 4):  # returns, on later days than some of the sales
            line = sale.lines.first()
            left = line.quantity - line.returned_quantity
            with contextlib.suppress(Conflict):  # a sale drawn twice may be fully returned already
                if rng.random() < 0.5 and left > 1:
                    part = [{"sale_line": line.pk, "quantity": Decimal(1)}]
                    services.sale_return(sale=sale, actor=admin.user, lines=part)
                else:
                    services.sale_return(sale=sale, actor=admin.user)
        for _ in range(3):
            services.expense_create(
                tenant=tenant,
                branch=rng.choice(branches),
                category=rng.choice(categories),
                amount=Decimal(rng.randint(100, 99999)) / 100,
                currency=rng.choice(["USD", "EUR"]),
                spent_on=now.date(),
                actor=admin.user,
            )
    monkeypatch.undo()
    gone = Expense.objects.filter(tenant=tenant).first()
    services.expense_delete(expense=gone, actor=admin.user)  # deleted: not counted
    return {"branches": branches, "start": start.date(), "end": (start + timedelta(days=4)).date()}


def recomputed(tenant, branch_ids=None):  # type: ignore[no-untyped-def]
    """The day/branch/currency figures straight from the raw rows."""
    rows: dict = defaultdict(lambda: {"revenue": ZERO, "cost": ZERO, "expenses": ZERO})
    lines = SaleLine.objects.filter(tenant=tenant).select_related("sale")
    returns = SaleReturnLine.objects.filter(tenant=tenant).select_related("sale_return__sale")
    for line in lines:
        row = rows[(line.sale.business_day, line.sale.branch_id, line.sale.currency)]
        row["revenue"] += line.total
        row["cost"] += line.cost_total
    for back in returns:
        record = back.sale_return
        row = rows[(record.business_day, record.branch_id, record.sale.currency)]
        row["revenue"] -= back.refund
        row["cost"] -= back.cost
    for expense in Expense.objects.filter(tenant=tenant):
        rows[(expense.spent_on, expense.branch_id, expense.currency)]["expenses"] += expense.amount
    return {k: v for k, v in rows.items() if branch_ids is None or k[1] in branch_ids}


def test_the_summary_reconciles_with_the_raw_rows(api, tenant, admin, traffic):
    query = f"?start={traffic['start']}&end={traffic['end']}"
    answer = api.get(f"/api/shops/reports/summary/{query}", **bearer(admin))
    assert answer.status_code == 200, answer.json()
    report = answer.json()
    expected = recomputed(tenant)
    got = {
        (datetime.fromisoformat(r["day"]).date(), r["branch_id"], r["currency"]): {
            "revenue": Decimal(r["revenue"]),
            "cost": Decimal(r["cost"]),
            "expenses": Decimal(r["expenses"]),
        }
        for r in report["days"]
    }
    assert got == expected
    for r in report["days"]:
        assert Decimal(r["gross_margin"]) == Decimal(r["revenue"]) - Decimal(r["cost"])
    totals = {t["currency"]: t for t in report["totals"]}
    for currency in ("USD", "EUR"):
        mine = [v for k, v in expected.items() if k[2] == currency]
        revenue = sum((v["revenue"] for v in mine), ZERO)
        cost = sum((v["cost"] for v in mine), ZERO)
        spent = sum((v["expenses"] for v in mine), ZERO)
        assert Decimal(totals[currency]["revenue"]) == revenue
        assert Decimal(totals[currency]["net"]) == revenue - cost - spent
    # per product category: the same money, split differently
    by_category: dict = defaultdict(lambda: ZERO)
    for line in SaleLine.objects.filter(tenant=tenant).select_related("product__category", "sale"):
        by_category[(line.product.category.name if line.product.category else "Uncategorized", line.sale.currency)] += (
            line.total
        )
    for back in SaleReturnLine.objects.filter(tenant=tenant).select_related(
        "sale_line__product__category", "sale_line__sale"
    ):
        category = back.sale_line.product.category
        by_category[(category.name if category else "Uncategorized", back.sale_line.sale.currency)] -= back.refund
    assert {(c["name"], c["currency"]): Decimal(c["revenue"]) for c in report["categories"]} == dict(by_category)
    # per expense category
    spent_by: dict = defaultdict(lambda: ZERO)
    for expense in Expense.objects.filter(tenant=tenant).select_related("category"):
        spent_by[(expense.category.name, expense.currency)] += expense.amount
    assert {(c["name"], c["currency"]): Decimal(c["amount"]) for c in report["expense_categories"]} == dict(spent_by)


def test_top_products_and_one_branch_reconcile(api, tenant, admin, traffic):
    first = traffic["branches"][0]
    query = f"?start={traffic['start']}&end={traffic['end']}&branch={first.pk}"
    report = api.get(f"/api/shops/reports/summary/{query}", **bearer(admin)).json()
    assert {r["branch_id"] for r in report["days"]} == {first.pk}
    assert sum(Decimal(r["revenue"]) for r in report["days"]) == sum(
        (v["revenue"] for v in recomputed(tenant, {first.pk}).values()), ZERO
    )
    top = api.get(
        f"/api/shops/reports/top-products/?start={traffic['start']}&end={traffic['end']}&limit=3", **bearer(admin)
    )
    products = top.json()["products"]
    assert len(products) == 3
    net: dict = defaultdict(lambda: ZERO)
    for line in SaleLine.objects.filter(tenant=tenant):
        net[line.product_id] += line.total
    for back in SaleReturnLine.objects.filter(tenant=tenant).select_related("sale_line"):
        net[back.sale_line.product_id] -= back.refund
    for row in products:
        assert Decimal(row["revenue"]) == net[row["product_id"]]
    revenues = [Decimal(p["revenue"]) for p in products]
    assert revenues == sorted(revenues, reverse=True)


def test_branch_stock_reconciles_with_the_ledger_after_the_traffic(tenant, traffic):
    for row in BranchStock.objects.filter(tenant=tenant):
        moved = Movement.objects.filter(product=row.product, branch=row.branch).aggregate(s=Sum("quantity"))["s"]
        assert row.on_hand == moved
        sold = SaleLine.objects.filter(product=row.product, sale__branch=row.branch).aggregate(s=Sum("quantity"))["s"]
        back = SaleReturnLine.objects.filter(sale_line__product=row.product, sale_return__branch=row.branch).aggregate(
            s=Sum("quantity")
        )["s"]
        assert row.on_hand == 500 - (sold or 0) + (back or 0)


def test_reports_cover_only_the_callers_branches(api, tenant, traffic):
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    mine = traffic["branches"][1]
    assign(manager, mine, "manager")
    query = f"?start={traffic['start']}&end={traffic['end']}"
    report = api.get(f"/api/shops/reports/summary/{query}", **bearer(manager)).json()
    assert {r["branch_id"] for r in report["days"]} == {mine.pk}
    other = traffic["branches"][0]
    answer = api.get(f"/api/shops/reports/summary/{query}&branch={other.pk}", **bearer(manager))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "branch_forbidden"
    cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    assert api.get(f"/api/shops/reports/summary/{query}", **bearer(cashier)).status_code == 403
    bad = api.get("/api/shops/reports/summary/?start=2026-05-01&end=2026-04-01", **bearer(manager))
    assert bad.status_code == 400 and "start" in bad.json()["error"]["fields"]
