"""Shops for the benches: a shop whose cashiers share scarce products, sales through the
service, a season of sale lines with their rollup, and the rollup check."""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum

from bench.harness import people
from bench.harness.domains import stock
from core.models import Organization
from core.roles import Role
from domains.shops import services
from domains.shops.models import Branch, DailySales, SaleLine

PLENTY = 10**7


def shop(cashiers: int, *, scarce: int = 60, slug: str = "bench-shop") -> dict[str, Any]:
    """An organization with 3 branches stocking 20 shared products (the first 3 scarce:
    ``scarce`` of each per branch), and ``cashiers`` cashiers who may sell at every branch."""
    tenant = people.organization(slug, "Bench shop")
    owner = people.member(tenant, Role.ADMIN, f"{slug}-owner")
    store = services.store_create(tenant=tenant, name="Bench store")
    branches = [services.branch_create(tenant=tenant, store=store, name=f"branch-{b}") for b in range(3)]
    names = [f"item-{i}" for i in range(20)]
    commercial = {
        n: {
            "sku": f"SKU-{i}",
            "sale_price": Decimal(f"{1 + i % 9}.{i % 100:02d}"),
            "cost_price": Decimal(f"{i % 9}.50"),
        }
        for i, n in enumerate(names)
    }
    products = stock.products(tenant, names, unit="pcs", **commercial)
    for branch in branches:
        quantities = [(p, scarce if i < 3 else PLENTY) for i, p in enumerate(products)]
        stock.deliver(tenant, quantities, actor=owner.user, branch=branch)
    staff = people.members(tenant, Role.CASHIER, cashiers, prefix=f"{slug}-cashier")
    for member in staff:
        for branch in branches:  # every cashier may sell at every branch: they share products
            services.staff_assign(branch=branch, user=member.user, role="cashier", actor=owner.user)
    return {
        "tenant": tenant.pk,
        "branches": [b.pk for b in branches],
        "products": [p.pk for p in products],
        "owner": owner.user_id,
        "tokens": people.tokens(staff),
        "owner_token": people.token(owner),
    }


class Till:
    """Sales through the service for a shop made by ``shop`` (in any process)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.tenant = Organization.objects.get(pk=data["tenant"])
        self.branches = {b.pk: b for b in Branch.objects.filter(pk__in=data["branches"])}
        self.products = {p.pk: p for p in stock.Product.objects.filter(pk__in=data["products"])}
        self.cashiers = [m.user for m in people.existing(data["tenant"], Role.CASHIER)]

    def sell(
        self, branch: int, lines: Sequence[dict[str, Any]], *, cashier: int, payment: str = "cash", key: str = ""
    ) -> tuple[int | None, dict | None]:
        """A sale of ``lines`` (product ids, quantities, discounts as the API takes them); its
        id, or the 409's body when stock ran short."""
        given = [
            {
                "product": self.products[x["product"]],
                "quantity": Decimal(x["quantity"]),
                "discount_percent": Decimal(x.get("discount_percent", 0)),
            }
            for x in lines
        ]
        try:
            sale, _ = services.sale_record(
                tenant=self.tenant,
                branch=self.branches[branch],
                actor=self.cashiers[cashier % len(self.cashiers)],
                lines=given,
                payment_method=payment,
                idempotency_key=key or None,
            )
        except stock.InsufficientStock as exc:
            return None, stock.refusal(exc)
        return sale.pk, None


def rollup_mismatch(tenant_id: int) -> int:
    """1 when the daily rollup's sums differ from the raw sale lines'."""
    rollup = DailySales.objects.filter(tenant_id=tenant_id).aggregate(q=Sum("quantity"), r=Sum("revenue"))
    raw = SaleLine.objects.filter(tenant_id=tenant_id).aggregate(q=Sum("quantity"), r=Sum("total"))
    return int((rollup["q"], rollup["r"]) != (raw["q"], raw["r"]))


SALES_SQL = """
    INSERT INTO shops_sale (tenant_id, branch_id, cashier_id, payment_method, currency, subtotal,
        discount_total, total, cost_total, refunded_total, customer_name, customer_phone, note,
        business_day, created_at)
    SELECT %s, %s + (n %% 3), %s, 'cash', 'USD', 10, 0, 10, 4, 0, '', '', '',
           current_date - (n %% 90), now() - ((n %% 90) || ' days')::interval
    FROM generate_series(1, %s) AS n
"""
LINES_SQL = """
    INSERT INTO shops_saleline (tenant_id, sale_id, product_id, quantity, unit_price, discount_percent,
        total, unit_cost, cost_total, returned_quantity)
    SELECT s.tenant_id, s.id, %s + ((s.id * 7 + k * 13) %% 200), 1, 2.50, 0, 2.50, 1, 1, 0
    FROM shops_sale s CROSS JOIN generate_series(1, 4) AS k
    WHERE s.tenant_id = %s
"""
ROLLUP_SQL = """
    INSERT INTO shops_dailysales (tenant_id, branch_id, day, product_id, currency, quantity, revenue, cost,
        discount)
    SELECT s.tenant_id, s.branch_id, s.business_day, l.product_id, s.currency, sum(l.quantity),
           sum(l.total), sum(l.cost_total), 0
    FROM shops_saleline l JOIN shops_sale s ON s.id = l.sale_id
    WHERE s.tenant_id = %s
    GROUP BY s.tenant_id, s.branch_id, s.business_day, l.product_id, s.currency
"""


def season(lines: int) -> dict[str, Any]:
    """Another organization's season of trade: sales of 4 lines each over 90 days at 3 branches
    from 200 products, written in SQL, with their rollup built as the sales build it (net per
    branch, day and product). Its owner's token and first branch, for the reports."""
    tenant = people.organization("bench-report", "Bench report")
    owner = people.member(tenant, Role.ADMIN, "bench-report-owner")
    store = services.store_create(tenant=tenant, name="Report store")
    branches = [services.branch_create(tenant=tenant, store=store, name=f"rb-{b}") for b in range(3)]
    names = [f"rp-{i}" for i in range(200)]
    products = stock.bulk_products(tenant, names, unit="pcs", sale_price=Decimal("2.50"), cost_price=1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SALES_SQL, [tenant.pk, branches[0].pk, owner.user_id, max(1, lines // 4)])
        cursor.execute(LINES_SQL, [products[0].pk, tenant.pk])
        cursor.execute(ROLLUP_SQL, [tenant.pk])
        cursor.execute("ANALYZE shops_sale; ANALYZE shops_saleline; ANALYZE shops_dailysales")
    return {
        "tenant": tenant.pk,
        "lines": SaleLine.objects.filter(tenant=tenant).count(),
        "generate_s": time.perf_counter() - started,
        "token": people.token(owner),
        "branch": branches[0].pk,
    }
