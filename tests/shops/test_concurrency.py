"""Ten cashiers at three branches sharing products, on PostgreSQL, selling, returning and moving
stock at once: no deadlock, no negative stock, no drift between balances, ledger and rollup."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import Conflict
from core.roles import Role
from domains.shops import services
from domains.shops.models import DailySales, Sale, SaleLine, SaleReturnLine
from domains.stock import services as stock
from domains.stock.models import BranchStock, Movement, Product
from tests.factories import branch_factory, member_factory, shop_product, stock_up, tenant_factory
from tests.stock.test_concurrency import run_threads

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_concurrent_sales_returns_and_transfers_keep_every_balance_equal_to_its_ledger():
    tenant = tenant_factory()
    admin = member_factory(tenant=tenant)
    branches = [branch_factory(tenant=tenant) for _ in range(3)]
    products = [shop_product(tenant=tenant, price=f"{n + 1}.25", cost="0.75") for n in range(4)]
    for product in products:
        for branch in branches:
            stock_up(product, 60, actor=admin.user, branch=branch)
    cashiers = [member_factory(tenant=tenant, role=Role.CASHIER) for _ in range(10)]

    def work(n: int) -> tuple[int, int]:
        rng = random.Random(n)
        done = refused = 0
        for _ in range(30):
            try:
                roll = rng.random()
                if roll < 0.75:
                    lines = [
                        {"product": p, "quantity": Decimal(rng.randint(1, 4))}
                        for p in rng.sample(products, rng.randint(1, 3))
                    ]
                    services.sale_record(
                        tenant=tenant,
                        branch=rng.choice(branches),
                        actor=cashiers[n].user,
                        lines=lines,
                        payment_method="cash",
                    )
                elif roll < 0.9:
                    sale = Sale.objects.filter(tenant=tenant).order_by("?").first()
                    if sale is not None:
                        services.sale_return(sale=sale, actor=cashiers[n].user)
                else:
                    source, target = rng.sample(branches, 2)
                    stock.transfer(
                        tenant=tenant,
                        product=rng.choice(products),
                        quantity=Decimal(rng.randint(1, 5)),
                        from_branch=source,
                        to_branch=target,
                        actor=admin.user,
                    )
                done += 1
            except Conflict:  # short stock, or a sale returned meanwhile: refused whole
                refused += 1
        return done, refused

    outcomes = run_threads(len(cashiers), work)
    assert len(outcomes) == len(cashiers)  # nobody died of a deadlock or a database error
    assert sum(d for d, _ in outcomes) > 100 and sum(r for _, r in outcomes) > 0
    for row in BranchStock.objects.filter(tenant=tenant):
        assert row.on_hand >= 0
        moved = Movement.objects.filter(product=row.product, branch=row.branch).aggregate(s=Sum("quantity"))["s"]
        assert row.on_hand == moved
    total = sum(BranchStock.objects.filter(tenant=tenant).values_list("on_hand", flat=True))
    sold = SaleLine.objects.filter(tenant=tenant).aggregate(s=Sum("quantity"))["s"]
    back = SaleReturnLine.objects.filter(tenant=tenant).aggregate(s=Sum("quantity"))["s"] or 0
    assert total == 60 * 12 - sold + back  # transfers move stock, never make or lose it
    assert Product.objects.filter(tenant=tenant, on_hand__gt=0).count() == 0  # central stock untouched
    rollup = DailySales.objects.filter(tenant=tenant).aggregate(q=Sum("quantity"), r=Sum("revenue"))
    revenue = SaleLine.objects.filter(tenant=tenant).aggregate(s=Sum("total"))["s"]
    refunds = SaleReturnLine.objects.filter(tenant=tenant).aggregate(s=Sum("refund"))["s"] or 0
    assert (rollup["q"], rollup["r"]) == (sold - back, revenue - refunds)
