"""Writes of the shops: stores, branches and staff, sales and returns, expenses.

A sale deducts its lines from the branch's stock on the shared ledger, all or nothing, and adds
itself to the ``DailySales`` rollup, in one transaction with its event. A return is the only way
to undo a sale: stock comes back to the branch and money is refunded, never more than was sold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files import File
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.errors import Conflict
from core.idempotency import once
from core.lookups import unique_or_none
from core.models import Membership, Organization, User
from core.roles import Role
from core.tenancy import create_named, update_named
from core.timezones import local_today, tenant_zone
from domains.shops import events
from domains.shops.access import audience_for
from domains.shops.models import (
    Branch,
    BranchRole,
    BranchStaff,
    DailySales,
    Expense,
    ExpenseCategory,
    ExpenseRevision,
    PaymentMethod,
    Sale,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
    Store,
)
from domains.stock.models import BranchStock, MovementKind, Product, Unit
from domains.stock.services import Change, apply_movements
from realtime.events import emit, emit_many

CENT = Decimal("0.01")
MAX_LINES = 200
DEFAULT_EXPENSE_CATEGORIES = ("Rent", "Salary", "Utilities", "Purchase", "Other")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# Stores, branches, staff


def store_create(*, tenant: Organization, **values: Any) -> Store:
    return create_named(Store, tenant=tenant, **values)


def store_update(*, store: Store, **values: Any) -> Store:
    return update_named(store, **values)


@transaction.atomic
def store_delete(*, store: Store) -> None:
    """Soft delete, refused while the store has live branches."""
    store = Store.objects.select_for_update().get(pk=store.pk)
    if Branch.objects.filter(store=store).exists():
        raise Conflict("Delete the store's branches first.", code="store_has_branches")
    store.mark_deleted()
    store.save(update_fields=["deleted_at", "updated_at"])


def branch_create(*, tenant: Organization, store: Store, **values: Any) -> Branch:
    return create_named(Branch, tenant=tenant, store=store, **values)


def branch_update(*, branch: Branch, **values: Any) -> Branch:
    return update_named(branch, **values)


@transaction.atomic
def branch_delete(*, branch: Branch) -> None:
    """Soft delete, refused while the branch holds stock (transfer it out first): stock of a
    deleted branch would vanish from every report."""
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    if BranchStock.objects.filter(branch=branch, on_hand__gt=0).exists():
        raise Conflict("The branch still holds stock; transfer it out first.", code="branch_has_stock")
    branch.mark_deleted()
    branch.save(update_fields=["deleted_at", "updated_at"])


def staff_assign(*, branch: Branch, user: User, role: BranchRole, actor: User) -> BranchStaff:
    """Assign a member to a branch with a role there (re-assigning changes the role)."""
    membership = unique_or_none(Membership.objects.filter(tenant_id=branch.tenant_id, user=user))
    if membership is None or membership.role == Role.CUSTOMER:
        raise ValidationError({"user": ["Not a staff member of this organization."]}, code="not_a_member")
    row, _ = BranchStaff.objects.update_or_create(
        branch=branch, user=user, defaults={"tenant_id": branch.tenant_id, "role": role, "assigned_by": actor}
    )
    return row


def staff_unassign(*, branch: Branch, user_id: int) -> None:
    BranchStaff.objects.filter(branch=branch, user_id=user_id).delete()


# Sales


def _day_of(tenant: Organization, moment: Any) -> date:
    return timezone.localtime(moment, tenant_zone(tenant)).date()


LineErrors = dict[int, dict[str, list[ErrorDetail]]]


def _line_error(errors: LineErrors, index: int, field: str, message: str, code: str) -> None:
    errors.setdefault(index, {})[field] = [ErrorDetail(message, code=code)]


def _line_errors(errors: LineErrors) -> ValidationError:
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
        raise ValidationError({"customer_name": ["A sale on credit names the customer who owes it."]}, code="required")

    first, created = once(
        Sale,
        tenant_id=tenant.pk,
        key=idempotency_key,
        create=lambda: _record(
            tenant=tenant,
            branch=branch,
            actor=actor,
            lines=lines,
            payment_method=payment_method,
            customer_name=customer_name,
            customer_phone=customer_phone,
            note=note,
            idempotency_key=idempotency_key,
        ),
    )
    if created:
        return first, True
    if first.branch_id != branch.pk or _fingerprint(first.lines.all()) != _fingerprint(lines):
        raise Conflict(
            "This Idempotency-Key was used for a different sale.", code="idempotency_key_reused", sale_id=first.pk
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
    *,
    tenant: Organization,
    branch: Branch,
    actor: User,
    lines: Sequence[dict[str, Any]],
    payment_method: str,
    customer_name: str,
    customer_phone: str,
    note: str,
    idempotency_key: str | None,
) -> Sale:
    if branch.tenant_id != tenant.pk or branch.is_deleted:
        raise ValidationError({"branch": ["Unknown branch."]}, code="does_not_exist")
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError({"lines": [f"A sale has 1 to {MAX_LINES} lines."]}, code="invalid")
    ids = {line["product"].pk for line in lines}
    products = {p.pk: p for p in Product.objects.filter(tenant=tenant, pk__in=ids)}
    errors: LineErrors = {}
    priced = []
    for i, line in enumerate(lines):
        product = products.get(line["product"].pk)
        quantity = Decimal(line["quantity"])
        discount = Decimal(line.get("discount_percent") or 0)
        if product is None or product.is_deleted:
            _line_error(errors, i, "product", "Unknown product.", "does_not_exist")
            continue
        price = line.get("unit_price")
        price = product.sale_price if price is None else Decimal(price)
        if price is None:
            _line_error(errors, i, "product", f"{product.name} has no sale price; give unit_price.", "not_for_sale")
        elif quantity <= 0:
            _line_error(errors, i, "quantity", "Sell a positive quantity.", "min_value")
        elif product.unit == Unit.PIECE and quantity % 1:
            _line_error(errors, i, "quantity", f"{product.name} is sold in whole pieces.", "whole_pieces")
        elif price < 0:
            _line_error(errors, i, "unit_price", "A price is never negative.", "min_value")
        elif not 0 <= discount <= 100:
            _line_error(errors, i, "discount_percent", "A discount is between 0 and 100 %.", "max_value")
        else:
            priced.append((product, quantity, price, discount))
    if errors:
        raise _line_errors(errors)
    currencies = {product.currency for product, *_ in priced}
    if len(currencies) > 1:
        raise ValidationError(
            {"lines": [f"One sale is in one currency; these lines mix {', '.join(sorted(currencies))}."]},
            code="currency_mismatch",
        )

    sale_lines: list[SaleLine] = []
    gross_of: list[Decimal] = []  # each line before its discount
    for product, quantity, price, discount in priced:
        gross = cents(quantity * price)
        total = cents(quantity * price * (100 - discount) / 100)
        unit_cost = product.cost_price or Decimal(0)
        sale_lines.append(
            SaleLine(
                tenant=tenant,
                product=product,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                total=total,
                unit_cost=unit_cost,
                cost_total=cents(quantity * unit_cost),
            )
        )
        gross_of.append(gross)
    subtotal = sum(gross_of, Decimal(0))
    total = sum((line.total for line in sale_lines), Decimal(0))
    now = timezone.now()  # replaced by the ledger's time below
    sale = Sale.objects.create(
        tenant=tenant,
        branch=branch,
        cashier=actor,
        payment_method=payment_method,
        currency=currencies.pop(),
        subtotal=subtotal,
        discount_total=subtotal - total,
        total=total,
        cost_total=sum((line.cost_total for line in sale_lines), Decimal(0)),
        customer_name=customer_name,
        customer_phone=customer_phone,
        note=note,
        business_day=_day_of(tenant, now),
        created_at=now,
        idempotency_key=idempotency_key or None,
    )
    for line in sale_lines:
        line.sale = sale
    SaleLine.objects.bulk_create(sale_lines)
    audience = audience_for(branch, "sales.view")  # before the stock locks: they are held to commit
    batch: list[dict[str, Any]] = []
    movements = apply_movements(
        tenant_id=tenant.pk,
        kind=MovementKind.SALE,
        changes=[
            Change(product_id=line.product_id, quantity=-line.quantity, branch_id=branch.pk) for line in sale_lines
        ],
        actor=actor,
        source=("sale", sale.pk),
        collect=batch,
    )
    # The ledger's time (taken under the stock locks) is the sale's time, so a sale and the stock
    # it took out always fall on the same day.
    sale.created_at = movements[0].created_at
    sale.business_day = _day_of(tenant, sale.created_at)
    Sale.objects.filter(pk=sale.pk).update(created_at=sale.created_at, business_day=sale.business_day)
    _roll_up(
        tenant.pk,
        branch.pk,
        sale.business_day,
        sale.currency,
        [
            (line.product_id, line.quantity, line.total, line.cost_total, gross - line.total)
            for line, gross in zip(sale_lines, gross_of, strict=True)
        ],
    )
    batch.append(
        {
            "tenant_id": tenant.pk,
            "type": events.SALE_RECORDED.name,
            "actor_id": actor.pk,
            "data": {
                "sale_id": sale.pk,
                "branch_id": branch.pk,
                "cashier_id": actor.pk,
                "payment_method": sale.payment_method,
                "currency": sale.currency,
                "total": str(sale.total),
                "cost_total": str(sale.cost_total),
                "lines": [
                    {"product_id": line.product_id, "quantity": f"{line.quantity:.3f}", "total": str(line.total)}
                    for line in sale_lines
                ],
                "business_day": sale.business_day,
                "branch_day_revenue": str(_day_revenue(branch.pk, sale.business_day, sale.currency)),
                "created_at": sale.created_at,
            },
            **audience,
        }
    )
    emit_many(batch)  # the stock levels and the sale: one outbox insert, one publish
    # What the answer shows, without reading back what was just written: the relations filled
    # the way prefetch_related fills them.
    sale.branch, sale.cashier = branch, actor
    sale._prefetched_objects_cache = {
        "lines": _filled(sale.lines.all(), sale_lines),
        "returns": _filled(sale.returns.all(), []),
    }
    return sale


def _filled(queryset: Any, rows: list) -> Any:
    queryset._result_cache, queryset._prefetch_done = rows, True
    return queryset


Figures = tuple[int, Decimal, Decimal, Decimal, Decimal]  # product id, quantity, revenue, cost, discount


def _roll_up(tenant_id: int, branch_id: int, day: date, currency: str, figures: list[Figures]) -> None:
    """Add signed ``figures`` (a sale's positive, a return's negative) to the day's rollup: one
    upsert statement, rows in product order so that concurrent writers lock them in one order."""
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, branch_id, day, product_id, currency, quantity, revenue, cost, discount) "
            f"VALUES {placeholders} ON CONFLICT (branch_id, day, product_id, currency) DO UPDATE SET "
            f"quantity = {table}.quantity + excluded.quantity, revenue = {table}.revenue + excluded.revenue, "
            f"cost = {table}.cost + excluded.cost, discount = {table}.discount + excluded.discount",
            values,
        )


def _day_revenue(branch_id: int, day: date, currency: str) -> Decimal:
    total = DailySales.objects.filter(branch_id=branch_id, day=day, currency=currency).aggregate(s=Sum("revenue"))["s"]
    return cents(Decimal(total or 0))


# Returns


def sale_return(
    *,
    sale: Sale,
    actor: User,
    lines: Sequence[dict[str, Any]] | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> tuple[SaleReturn, bool]:
    """Return ``lines`` (``sale_line``, ``quantity``) of ``sale``, or everything not yet
    returned when ``lines`` is None. Stock comes back to the sale's branch; the refund is the
    lines' share of what was paid, and a line's last return refunds exactly what is left of it.
    Returns the return and whether it is new."""

    first, created = once(
        SaleReturn,
        tenant_id=sale.tenant_id,
        key=idempotency_key,
        create=lambda: _return(sale=sale, actor=actor, lines=lines, reason=reason, idempotency_key=idempotency_key),
    )
    if created:
        return first, True
    if first.sale_id != sale.pk:
        raise Conflict(
            "This Idempotency-Key was used for a different return.", code="idempotency_key_reused", return_id=first.pk
        )
    return first, False


@transaction.atomic
def _return(
    *,
    sale: Sale,
    actor: User,
    lines: Sequence[dict[str, Any]] | None,
    reason: str,
    idempotency_key: str | None,
) -> SaleReturn:
    # of=self: locking the joined organization row would block every insert that references it.
    sale = Sale.objects.select_for_update(of=("self",)).select_related("tenant", "branch").get(pk=sale.pk)
    sold = {line.pk: line for line in SaleLine.objects.filter(sale=sale).select_related("product").order_by("pk")}
    if lines is None:
        wanted = {pk: line.quantity - line.returned_quantity for pk, line in sold.items()}
        wanted = {pk: q for pk, q in wanted.items() if q > 0}
        if not wanted:
            raise Conflict("Everything in this sale was already returned.", code="already_returned")
    else:
        wanted = defaultdict(Decimal)
        errors: LineErrors = {}
        for i, line in enumerate(lines):
            pk = line["sale_line"]
            if pk not in sold:
                _line_error(errors, i, "sale_line", f"Sale {sale.pk} has no line {pk}.", "does_not_exist")
            elif Decimal(line["quantity"]) <= 0:
                _line_error(errors, i, "quantity", "Return a positive quantity.", "min_value")
            elif sold[pk].product.unit == Unit.PIECE and Decimal(line["quantity"]) % 1:
                _line_error(errors, i, "quantity", "Pieces come back whole.", "whole_pieces")
            else:
                wanted[pk] += Decimal(line["quantity"])
                left = sold[pk].quantity - sold[pk].returned_quantity
                if wanted[pk] > left:
                    message = f"Only {left:.3f} of this line is left to return."
                    _line_error(errors, i, "quantity", message, "exceeds_sold")
        if errors:
            raise _line_errors(errors)

    now = timezone.now()
    record = SaleReturn.objects.create(
        tenant_id=sale.tenant_id,
        sale=sale,
        branch=sale.branch,
        reason=reason,
        refund_total=0,
        cost_total=0,
        refund_method=sale.payment_method,
        business_day=_day_of(sale.tenant, now),
        created_by=actor,
        created_at=now,
        idempotency_key=idempotency_key or None,
    )
    returned = _returned_so_far(sold)
    return_lines = []
    for pk, quantity in sorted(wanted.items()):
        line = sold[pk]
        last = line.returned_quantity + quantity == line.quantity
        # The last return of a line takes what is left, so a line's refunds add up to its total.
        refund = line.total - returned[pk][0] if last else cents(line.total * quantity / line.quantity)
        cost = line.cost_total - returned[pk][1] if last else cents(line.cost_total * quantity / line.quantity)
        return_lines.append(
            SaleReturnLine(
                tenant_id=sale.tenant_id,
                sale_return=record,
                sale_line=line,
                quantity=quantity,
                refund=refund,
                cost=cost,
            )
        )
        line.returned_quantity += quantity
    SaleReturnLine.objects.bulk_create(return_lines)
    SaleLine.objects.bulk_update([sold[pk] for pk in wanted], ["returned_quantity"])
    record.refund_total = sum((r.refund for r in return_lines), Decimal(0))
    record.cost_total = sum((r.cost for r in return_lines), Decimal(0))
    audience = audience_for(sale.branch, "sales.view")  # before the stock locks, as a sale does
    batch: list[dict[str, Any]] = []
    movements = apply_movements(
        tenant_id=sale.tenant_id,
        kind=MovementKind.RETURN,
        changes=[
            Change(product_id=r.sale_line.product_id, quantity=r.quantity, branch_id=sale.branch_id)
            for r in return_lines
        ],
        actor=actor,
        source=("sale_return", record.pk),
        collect=batch,
    )
    record.created_at = movements[0].created_at
    record.business_day = _day_of(sale.tenant, record.created_at)
    record.save(update_fields=["refund_total", "cost_total", "created_at", "business_day"])
    sale.refunded_total += record.refund_total
    sale.save(update_fields=["refunded_total"])
    _roll_up(
        sale.tenant_id,
        sale.branch_id,
        record.business_day,
        sale.currency,
        [
            (
                r.sale_line.product_id,
                -r.quantity,
                -r.refund,
                -r.cost,
                -(cents(r.quantity * r.sale_line.unit_price) - r.refund),
            )
            for r in return_lines
        ],
    )
    batch.append(
        {
            "tenant_id": sale.tenant_id,
            "type": events.SALE_RETURNED.name,
            "actor_id": actor.pk,
            "data": {
                "return_id": record.pk,
                "sale_id": sale.pk,
                "branch_id": sale.branch_id,
                "currency": sale.currency,
                "refund_total": str(record.refund_total),
                "refund_method": record.refund_method,
                "lines": [
                    {
                        "sale_line_id": r.sale_line_id,
                        "product_id": r.sale_line.product_id,
                        "quantity": f"{r.quantity:.3f}",
                        "refund": str(r.refund),
                    }
                    for r in return_lines
                ],
                "business_day": record.business_day,
                "branch_day_revenue": str(_day_revenue(sale.branch_id, record.business_day, sale.currency)),
                "created_at": record.created_at,
            },
            **audience,
        }
    )
    emit_many(batch)  # the stock levels and the return: one outbox insert, one publish
    return record


def _returned_so_far(sold: dict[int, SaleLine]) -> dict[int, tuple[Decimal, Decimal]]:
    """Refund and cost already returned per sale line."""
    rows = (
        SaleReturnLine.objects.filter(sale_line_id__in=sold)
        .values("sale_line_id")
        .annotate(refund=Sum("refund"), cost=Sum("cost"))
    )
    done = {row["sale_line_id"]: (row["refund"], row["cost"]) for row in rows}
    return {pk: done.get(pk, (Decimal(0), Decimal(0))) for pk in sold}


# Expenses


def ensure_default_categories(tenant: Organization) -> None:
    """Every organization starts with the usual expense categories (editable afterwards)."""
    if not ExpenseCategory.all_objects.filter(tenant=tenant).exists():
        ExpenseCategory.objects.bulk_create(
            [ExpenseCategory(tenant=tenant, name=name) for name in DEFAULT_EXPENSE_CATEGORIES]
        )


def category_create(*, tenant: Organization, name: str) -> ExpenseCategory:
    return create_named(ExpenseCategory, tenant=tenant, name=name)


def category_update(*, category: ExpenseCategory, name: str) -> ExpenseCategory:
    return update_named(category, name=name)


def category_delete(*, category: ExpenseCategory) -> None:
    """Soft delete: past expenses keep their category; new ones cannot use it."""
    category.mark_deleted()
    category.save(update_fields=["deleted_at"])


TRACKED = ("branch", "category", "amount", "currency", "spent_on", "note", "attachment")


def _snapshot(expense: Expense) -> dict[str, Any]:
    return {
        "branch": expense.branch_id,
        "category": expense.category_id,
        "amount": str(expense.amount),
        "currency": expense.currency,
        "spent_on": expense.spent_on.isoformat(),
        "note": expense.note,
        "attachment": expense.attachment.name or "",
    }


def _check_spent_on(tenant: Organization, spent_on: date) -> None:
    if spent_on > local_today(tenant) + timedelta(days=1):
        raise ValidationError({"spent_on": ["An expense cannot be dated in the future."]}, code="future")


def _expense_event(expense: Expense, action: str, actor: User) -> None:
    emit(
        tenant_id=expense.tenant_id,
        type=events.EXPENSE_CHANGED.name,
        actor_id=actor.pk,
        data={
            "expense_id": expense.pk,
            "branch_id": expense.branch_id,
            "category_id": expense.category_id,
            "amount": str(expense.amount),
            "currency": expense.currency,
            "spent_on": expense.spent_on,
            "version": expense.version,
            "action": action,
        },
        **audience_for(expense.branch, "expenses.manage"),
    )


@transaction.atomic
def expense_create(
    *,
    tenant: Organization,
    branch: Branch,
    category: ExpenseCategory,
    amount: Decimal,
    currency: str,
    spent_on: date,
    actor: User,
    note: str = "",
    attachment: File | None = None,
) -> Expense:
    _check_spent_on(tenant, spent_on)
    expense = Expense(
        tenant=tenant,
        branch=branch,
        category=category,
        amount=amount,
        currency=currency,
        spent_on=spent_on,
        note=note,
        created_by=actor,
    )
    if attachment is not None:
        expense.attachment.save(attachment.name, attachment, save=False)
    expense.save()
    after = _snapshot(expense)
    ExpenseRevision.objects.create(
        tenant=tenant,
        expense=expense,
        version=1,
        action=ExpenseRevision.Action.CREATED,
        changes={field: [None, after[field]] for field in TRACKED},
        changed_by=actor,
    )
    _expense_event(expense, "created", actor)
    return expense


@transaction.atomic
def expense_update(*, expense: Expense, actor: User, **values: Any) -> Expense:
    """Change any of ``TRACKED``; each effective change is a numbered revision with the old and
    new values. A change that changes nothing records nothing."""
    expense = Expense.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=expense.pk)
    before = _snapshot(expense)
    if "spent_on" in values:
        _check_spent_on(expense.tenant, values["spent_on"])
    attachment = values.pop("attachment", None)
    for field, value in values.items():
        setattr(expense, field, value)
    if attachment is not None:
        expense.attachment.save(attachment.name, attachment, save=False)
    after = _snapshot(expense)
    changes = {field: [before[field], after[field]] for field in TRACKED if before[field] != after[field]}
    if not changes:
        return expense
    expense.version += 1
    expense.save()
    ExpenseRevision.objects.create(
        tenant_id=expense.tenant_id,
        expense=expense,
        version=expense.version,
        action=ExpenseRevision.Action.UPDATED,
        changes=changes,
        changed_by=actor,
    )
    _expense_event(expense, "updated", actor)
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense, actor: User) -> None:
    """Soft delete, recorded as the last revision; reports stop counting it."""
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    expense.mark_deleted()
    expense.version += 1
    expense.save(update_fields=["deleted_at", "version", "updated_at"])
    ExpenseRevision.objects.create(
        tenant_id=expense.tenant_id,
        expense=expense,
        version=expense.version,
        action=ExpenseRevision.Action.DELETED,
        changes={"deleted": [False, True]},
        changed_by=actor,
    )
    _expense_event(expense, "deleted", actor)
