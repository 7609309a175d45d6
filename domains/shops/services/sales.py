"""Recording a sale: its lines, the stock it takes, the day's rollup, one event batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.errors import Conflict
from core.idempotency import once
from core.models import Organization, User
from core.timezones import tenant_zone
from domains.shops import events
from domains.shops.access import audience_for
from domains.shops.models import (
    Branch,
    DailySales,
    PaymentMethod,
    Sale,
    SaleLine,
)
from domains.stock.api import Change, MovementKind, Posting, Product, Unit, lock_balances
from realtime.events import emit_many

CENT = Decimal("0.01")
MAX_LINES = 200


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def day_of(tenant: Organization, moment: Any) -> date:
    return timezone.localtime(moment, tenant_zone(tenant)).date()


LineErrors = dict[int, dict[str, list[ErrorDetail]]]


def line_error(errors: LineErrors, index: int, field: str, message: str, code: str) -> None:
    errors.setdefault(index, {})[field] = [ErrorDetail(message, code=code)]


def line_errors(errors: LineErrors) -> ValidationError:
    """Errors of list items, as DRF reports a nested list's: ``lines.<index>.<field>``."""
    return ValidationError({"lines": {str(i): fields for i, fields in sorted(errors.items())}})


def sale_record(
    *,
    tenant: Organization,
    branch: Branch,
    actor: User,
    lines: Sequence[dict[str, Any]],
    payment_method: str,
    customer_name: str = "",
    customer_phone: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> tuple[Sale, bool]:
    """Record a sale of ``lines`` (``product``, ``quantity``, optional ``unit_price`` — the
    product's sale price by default — and ``discount_percent``) at ``branch``.

    Every line's stock leaves the branch or none does (409 ``insufficient_stock``). With an
    ``idempotency_key`` a retried request returns the first sale. Returns the sale and whether it
    is new.
    """
    if payment_method == PaymentMethod.DEBT and not customer_name.strip():
        raise ValidationError(
            {"customer_name": [gettext("A sale on credit names the customer who owes it.")]}, code="required"
        )

    first, created = once(
        Sale,
        tenant_id=tenant.pk,
        key=idempotency_key,
        create=lambda: _record(
            tenant=tenant,
            branch=branch,
            actor=actor,
            lines=lines,
            header={
                "payment_method": payment_method,
                "customer_name": customer_name,
                "customer_phone": customer_phone,
                "note": note,
                "idempotency_key": idempotency_key or None,
            },
        ),
    )
    if created:
        return first, True
    if first.branch_id != branch.pk or _fingerprint(first.lines.all()) != _fingerprint(lines):
        raise Conflict(
            gettext("This Idempotency-Key was used for a different sale."),
            code="idempotency_key_reused",
            sale_id=first.pk,
        )
    return first, False


def _fingerprint(lines: Any) -> list[tuple[int, Decimal]]:
    out = []
    for line in lines:
        if isinstance(line, SaleLine):
            out.append((line.product_id, line.quantity))
        else:
            out.append((line["product"].pk, Decimal(line["quantity"])))
    return sorted(out)


@transaction.atomic
def _record(
    *, tenant: Organization, branch: Branch, actor: User, lines: Sequence[dict[str, Any]], header: dict[str, Any]
) -> Sale:
    """``header``: the sale's payment method, customer, note and idempotency key, as given."""
    if branch.tenant_id != tenant.pk or branch.is_deleted:
        raise ValidationError({"branch": [gettext("Unknown branch.")]}, code="does_not_exist")
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError(
            {"lines": [gettext("A sale has 1 to %(max)s lines.") % {"max": MAX_LINES}]}, code="invalid"
        )
    priced, currency = _priced(tenant, lines)
    sale_lines, gross_of = _sale_lines(tenant, priced)
    subtotal = sum(gross_of, Decimal(0))
    total = sum((line.total for line in sale_lines), Decimal(0))
    audience = audience_for(branch, "sales.view")  # before the stock locks: they are held to commit
    posting = lock_branch_stock(
        branch, [(line.product_id, -line.quantity) for line in sale_lines], known=[p for p, *_ in priced]
    )
    # The ledger's time (taken under the stock locks) is the sale's time, so a sale and the stock
    # it took out always fall on the same day.
    sale = Sale.objects.create(
        tenant=tenant,
        branch=branch,
        cashier=actor,
        currency=currency,
        subtotal=subtotal,
        discount_total=subtotal - total,
        total=total,
        cost_total=sum((line.cost_total for line in sale_lines), Decimal(0)),
        business_day=day_of(tenant, posting.now),
        created_at=posting.now,
        **header,
    )
    for line in sale_lines:
        line.sale = sale
    SaleLine.objects.bulk_create(sale_lines)
    batch: list[dict[str, Any]] = []
    posting.post(kind=MovementKind.SALE, actor=actor, source=("sale", sale.pk), collect=batch)
    figures = [
        (line.product_id, line.quantity, line.total, line.cost_total, gross - line.total)
        for line, gross in zip(sale_lines, gross_of, strict=True)
    ]
    revenue = roll_up(tenant.pk, branch.pk, sale.business_day, sale.currency, figures)
    batch.append({**_recorded_event(sale, sale_lines, revenue), **audience})
    emit_many(batch)  # the stock levels and the sale: one outbox insert, one publish
    # What the answer shows, without reading back what was just written: the relations filled
    # the way prefetch_related fills them.
    sale.branch, sale.cashier = branch, actor
    sale._prefetched_objects_cache = {
        "lines": _filled(sale.lines.all(), sale_lines),
        "returns": _filled(sale.returns.all(), []),
    }
    return sale


Priced = tuple[Product, Decimal, Decimal, Decimal]  # product, quantity, unit price, discount %


def lock_branch_stock(branch: Branch, quantities: list[tuple[int, Decimal]], known: Sequence[Product] = ()) -> Posting:
    """Lock the branch's balances a sale or a return moves (product id, signed quantity);
    ``known``: the product rows the caller holds."""
    changes = [Change(product_id=product_id, quantity=q, branch_id=branch.pk) for product_id, q in quantities]
    return lock_balances(tenant_id=branch.tenant_id, changes=changes, known=known)


def _priced(tenant: Organization, lines: Sequence[dict[str, Any]]) -> tuple[list[Priced], str]:
    """Each line checked and priced (every line's errors at once), and the sale's one currency.
    The products are the rows the caller resolved (the input's product ids, in this tenant)."""
    errors: LineErrors = {}
    priced = []
    for i, line in enumerate(lines):
        product: Product = line["product"]
        quantity = Decimal(line["quantity"])
        discount = Decimal(line.get("discount_percent") or 0)
        if product.tenant_id != tenant.pk or product.is_deleted:
            line_error(errors, i, "product", "Unknown product.", "does_not_exist")
            continue
        price = line.get("unit_price")
        price = product.sale_price if price is None else Decimal(price)
        if price is None:
            line_error(errors, i, "product", f"{product.name} has no sale price; give unit_price.", "not_for_sale")
        elif quantity <= 0:
            line_error(errors, i, "quantity", "Sell a positive quantity.", "min_value")
        elif product.unit == Unit.PIECE and quantity % 1:
            line_error(errors, i, "quantity", f"{product.name} is sold in whole pieces.", "whole_pieces")
        elif price < 0:
            line_error(errors, i, "unit_price", "A price is never negative.", "min_value")
        elif not 0 <= discount <= 100:
            line_error(errors, i, "discount_percent", "A discount is between 0 and 100 %.", "max_value")
        else:
            priced.append((product, quantity, price, discount))
    if errors:
        raise line_errors(errors)
    currencies = {product.currency for product, *_ in priced}
    if len(currencies) > 1:
        raise ValidationError(
            {
                "lines": [
                    gettext("One sale is in one currency; these lines mix %(currencies)s.")
                    % {"currencies": ", ".join(sorted(currencies))}
                ]
            },
            code="currency_mismatch",
        )
    return priced, currencies.pop()


def _sale_lines(tenant: Organization, priced: list[Priced]) -> tuple[list[SaleLine], list[Decimal]]:
    """The sale's line rows, and each line's amount before its discount."""
    sale_lines: list[SaleLine] = []
    gross_of: list[Decimal] = []
    for product, quantity, price, discount in priced:
        unit_cost = product.cost_price or Decimal(0)
        sale_lines.append(
            SaleLine(
                tenant=tenant,
                product=product,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                total=cents(quantity * price * (100 - discount) / 100),
                unit_cost=unit_cost,
                cost_total=cents(quantity * unit_cost),
            )
        )
        gross_of.append(cents(quantity * price))
    return sale_lines, gross_of


def _recorded_event(sale: Sale, sale_lines: list[SaleLine], revenue: Decimal) -> dict[str, Any]:
    return {
        "tenant_id": sale.tenant_id,
        "type": events.SALE_RECORDED.name,
        "actor_id": sale.cashier_id,
        "data": {
            "sale_id": sale.pk,
            "branch_id": sale.branch_id,
            "cashier_id": sale.cashier_id,
            "payment_method": sale.payment_method,
            "currency": sale.currency,
            "total": str(sale.total),
            "cost_total": str(sale.cost_total),
            "lines": [
                {"product_id": line.product_id, "quantity": f"{line.quantity:.3f}", "total": str(line.total)}
                for line in sale_lines
            ],
            "business_day": sale.business_day,
            "branch_day_revenue": str(revenue),
            "created_at": sale.created_at,
        },
    }


def _filled(queryset: Any, rows: list) -> Any:
    queryset._result_cache, queryset._prefetch_done = rows, True
    return queryset


Figures = tuple[int, Decimal, Decimal, Decimal, Decimal]  # product id, quantity, revenue, cost, discount


def roll_up(tenant_id: int, branch_id: int, day: date, currency: str, figures: list[Figures]) -> Decimal:
    """Add signed ``figures`` (a sale's positive, a return's negative) to the day's rollup, rows
    in product order so that concurrent writers lock them in one order; returns the branch's
    revenue that day after it. One statement on PostgreSQL: the upsert's own rows and the day's
    other rows, as the statement found them, are summed by the same statement."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for product_id, *amounts in figures:
        row = totals[product_id]
        for i, amount in enumerate(amounts):
            row[i] += amount
    values: list[Any] = []
    for product_id in sorted(totals):
        values += [tenant_id, branch_id, day, product_id, currency, *totals[product_id]]
    table = DailySales._meta.db_table
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(totals))
    upsert = (
        f"INSERT INTO {table} (tenant_id, branch_id, day, product_id, currency, quantity, revenue, cost, discount) "
        f"VALUES {placeholders} ON CONFLICT (branch_id, day, product_id, currency) DO UPDATE SET "
        f"quantity = {table}.quantity + excluded.quantity, revenue = {table}.revenue + excluded.revenue, "
        f"cost = {table}.cost + excluded.cost, discount = {table}.discount + excluded.discount"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite has no INSERT inside WITH
            cursor.execute(upsert, values)
            return day_revenue(branch_id, day, currency)
        cursor.execute(
            f"WITH up AS ({upsert} RETURNING product_id, revenue) "
            "SELECT COALESCE((SELECT SUM(revenue) FROM up), 0) + COALESCE((SELECT SUM(d.revenue) "
            f"FROM {table} d WHERE d.branch_id = %s AND d.day = %s AND d.currency = %s "
            "AND d.product_id NOT IN (SELECT product_id FROM up)), 0)",
            [*values, branch_id, day, currency],
        )
        return cents(Decimal(cursor.fetchone()[0]))


def day_revenue(branch_id: int, day: date, currency: str) -> Decimal:
    total = DailySales.objects.filter(branch_id=branch_id, day=day, currency=currency).aggregate(s=Sum("revenue"))["s"]
    return cents(Decimal(total or 0))
