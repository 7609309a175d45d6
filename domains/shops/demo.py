# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo shop for `make run`: one store with two branches and their staff, products for sale on the
shared ledger, today's sales with a partial return, a transfer, and two weeks of expenses.
Written through the services, like real use; skipped once present."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils.text import slugify

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from core.timezones import local_today
from domains.shops import services
from domains.shops.models import BranchRole, ExpenseCategory, Store
from domains.stock import services as stock

D = Decimal
CURRENCY = "UZS"
PRODUCTS = [  # name, category, sku, barcode, sale price, cost price, delivered per branch
    ("Koʻk choy 100 g", "Ichimliklar", "TEA-100", "4780001000017", D("14000"), D("9500"), 40),
    ("Mineral suv 1,5 l", "Ichimliklar", "WAT-150", "4780001000024", D("5000"), D("3200"), 60),
    ("Non", "Non mahsulotlari", "NON-1", "4780001000031", D("4000"), D("2500"), 30),
    ("Kungaboqar yogʻi 1 l", "Oziq-ovqat", "OIL-1", "4780001000048", D("22000"), D("17500"), 20),
    ("Devzira guruch 1 kg", "Oziq-ovqat", "RICE-1", "4780001000055", D("28000"), D("21000"), 25),
    ("Kir sovun", "Roʻzgʻor buyumlari", "SOAP-1", "4780001000062", D("6000"), D("3900"), 15),
]
SALES = [  # branch index, [(product index, quantity, discount %)], payment
    (0, [(0, 2, 0), (2, 4, 0)], "cash"),
    (0, [(1, 6, 0)], "card"),
    (0, [(3, 1, 0), (4, 2, 5)], "transfer"),
    (1, [(2, 10, 0), (5, 2, 0)], "cash"),
    (1, [(0, 1, 0), (1, 2, 0)], "card"),
    (0, [(5, 12, 0)], "debt"),
    (1, [(4, 3, 10)], "cash"),
]
EXPENSES = [  # days ago, branch index, category, amount
    (13, 0, "Ijara", D("4500000")),
    (13, 1, "Ijara", D("3800000")),
    (10, 0, "Kommunal xizmatlar", D("620000")),
    (7, 1, "Xarid", D("1250000")),
    (3, 0, "Ish haqi", D("3000000")),
    (3, 1, "Ish haqi", D("2800000")),
    (1, 0, "Boshqa", D("85000")),
]


def _receipt(days_ago: int, category: str, amount: Decimal) -> ContentFile:
    """A one-page PDF receipt, so that the demo's expenses show attachments too."""
    text = f"Chek: {category} {amount} {CURRENCY} ({days_ago} kun oldin)".encode()
    stream = b"BT /F1 14 Tf 50 750 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return ContentFile(body, name=f"chek-{slugify(category)}.pdf")


def seed(tenant: Organization) -> None:
    if Store.all_objects.filter(tenant=tenant).exists():
        return
    admin, manager, cashier, viewer = (
        User.objects.get(username=demo_username(role)) for role in (Role.ADMIN, Role.MANAGER, Role.CASHIER, Role.VIEWER)
    )
    store = services.store_create(tenant=tenant, name="Oqim Market", address="Toshkent")
    branches = [
        services.branch_create(tenant=tenant, store=store, name="Chilonzor", address="Chilonzor 9"),
        services.branch_create(tenant=tenant, store=store, name="Yunusobod", address="Amir Temur 107"),
    ]
    for branch in branches:
        services.staff_assign(branch=branch, user=manager, role=BranchRole.MANAGER, actor=admin)
    services.staff_assign(branch=branches[0], user=cashier, role=BranchRole.CASHIER, actor=admin)
    services.staff_assign(branch=branches[0], user=viewer, role=BranchRole.VIEWER, actor=admin)

    products = _products(tenant, admin)
    _stock(tenant, branches, products, manager)
    _sales(tenant, branches, [p for p, _ in products], cashier, manager)


def _products(tenant: Organization, admin: User) -> list[tuple[Any, int]]:
    """The catalog, with what each branch receives of each product."""
    categories = {name: stock.category_create(tenant=tenant, name=name) for name in {p[1] for p in PRODUCTS}}
    products = []
    for name, category, sku, barcode, price, cost, delivered in PRODUCTS:
        product = stock.product_create(
            tenant=tenant,
            name=name,
            unit="pcs",
            sku=sku,
            barcode=barcode,
            category=categories[category],
            sale_price=price,
            cost_price=cost,
            currency=CURRENCY,
            actor=admin,
        )
        products.append((product, delivered))
    return products


def _stock(tenant: Organization, branches: list[Any], products: list[tuple[Any, int]], manager: User) -> None:
    for branch in branches:
        stock.delivery_create(
            tenant=tenant,
            branch=branch,
            delivered_on=local_today(tenant),
            supplier="Toshkent Ulgurji",
            lines=[{"product": p, "quantity": D(n), "unit_cost": p.cost_price} for p, n in products],
            actor=manager,
        )
    soap = products[5][0]
    stock.branch_minimum(branch=branches[0], product=soap, minimum=D(5), actor=manager)
    stock.transfer(
        tenant=tenant,
        product=products[1][0],
        quantity=D(10),
        from_branch=branches[0],
        to_branch=branches[1],
        actor=manager,
        note="dam olish kunlari talabi",
    )


def _sales(tenant: Organization, branches: list[Any], products: list[Any], cashier: User, manager: User) -> None:
    """A few sales (one partly returned) and a week of expenses."""
    sales = []
    for branch_index, lines, payment in SALES:
        sale, _ = services.sale_record(
            tenant=tenant,
            branch=branches[branch_index],
            actor=cashier if branch_index == 0 else manager,
            lines=[{"product": products[i], "quantity": D(q), "discount_percent": D(d)} for i, q, d in lines],
            payment_method=payment,
            customer_name="Dilshod aka" if payment == "debt" else "",
        )
        sales.append(sale)
    first_line = sales[0].lines.order_by("pk").first()
    services.sale_return(
        sale=sales[0],
        actor=cashier,
        lines=[{"sale_line": first_line.pk, "quantity": D(1)}],
        reason="quti shikastlangan",
    )
    today = local_today(tenant)
    spent = {c.name: c for c in ExpenseCategory.objects.filter(tenant=tenant)}
    for days_ago, branch_index, category, amount in EXPENSES:
        expense = services.expense_create(
            tenant=tenant,
            branch=branches[branch_index],
            category=spent[category],
            amount=amount,
            currency=CURRENCY,
            spent_on=today - timedelta(days=days_ago),
            note=f"{category.lower()} ({branches[branch_index].name})",
            attachment=_receipt(days_ago, category, amount),
            actor=manager,
        )
    services.expense_update(expense=expense, amount=D("95000"), note="boshqa: kuryer va paketlar", actor=manager)
