"""Returning (part of) a sale: stock back, the rollup corrected, never more than was sold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext

from core.errors import Conflict
from core.idempotency import once
from core.models import User
from domains.shops import events
from domains.shops.access import audience_for
from domains.shops.models import (
    Sale,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
)
from domains.shops.services.sales import (
    LineErrors,
    cents,
    day_of,
    line_error,
    line_errors,
    lock_branch_stock,
    roll_up,
)
from domains.stock.api import MovementKind, Unit
from realtime.events import emit_many


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
            gettext("This Idempotency-Key was used for a different return."),
            code="idempotency_key_reused",
            return_id=first.pk,
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
    wanted = _wanted(sale, sold, lines)
    return_lines = _return_lines(sale, sold, wanted)
    audience = audience_for(sale.branch, "sales.view")  # before the stock locks, as a sale does
    posting = lock_branch_stock(sale.branch, [(r.sale_line.product_id, r.quantity) for r in return_lines])
    record = SaleReturn.objects.create(
        tenant_id=sale.tenant_id,
        sale=sale,
        branch=sale.branch,
        reason=reason,
        refund_total=sum((r.refund for r in return_lines), Decimal(0)),
        cost_total=sum((r.cost for r in return_lines), Decimal(0)),
        refund_method=sale.payment_method,
        business_day=day_of(sale.tenant, posting.now),  # the ledger's time, as a sale's
        created_by=actor,
        created_at=posting.now,
        idempotency_key=idempotency_key or None,
    )
    for row in return_lines:
        row.sale_return = record
    SaleReturnLine.objects.bulk_create(return_lines)
    SaleLine.objects.bulk_update([sold[pk] for pk in wanted], ["returned_quantity"])
    batch: list[dict[str, Any]] = []
    posting.post(kind=MovementKind.RETURN, actor=actor, source=("sale_return", record.pk), collect=batch)
    sale.refunded_total += record.refund_total
    sale.save(update_fields=["refunded_total"])
    figures = [
        (
            r.sale_line.product_id,
            -r.quantity,
            -r.refund,
            -r.cost,
            -(cents(r.quantity * r.sale_line.unit_price) - r.refund),
        )
        for r in return_lines
    ]
    revenue = roll_up(sale.tenant_id, sale.branch_id, record.business_day, sale.currency, figures)
    batch.append({**_returned_event(sale, record, return_lines, actor, revenue), **audience})
    emit_many(batch)  # the stock levels and the return: one outbox insert, one publish
    return record


def _wanted(sale: Sale, sold: dict[int, SaleLine], lines: Sequence[dict[str, Any]] | None) -> dict[int, Decimal]:
    """Quantity to return per sale line: what is left of every line, or the lines asked for,
    each checked against what is left (every line's errors at once)."""
    if lines is None:
        left = {pk: line.quantity - line.returned_quantity for pk, line in sold.items()}
        wanted = {pk: q for pk, q in left.items() if q > 0}
        if not wanted:
            raise Conflict(gettext("Everything in this sale was already returned."), code="already_returned")
        return wanted
    asked: dict[int, Decimal] = defaultdict(Decimal)
    errors: LineErrors = {}
    for i, line in enumerate(lines):
        pk = line["sale_line"]
        if pk not in sold:
            line_error(errors, i, "sale_line", f"Sale {sale.pk} has no line {pk}.", "does_not_exist")
        elif Decimal(line["quantity"]) <= 0:
            line_error(errors, i, "quantity", "Return a positive quantity.", "min_value")
        elif sold[pk].product.unit == Unit.PIECE and Decimal(line["quantity"]) % 1:
            line_error(errors, i, "quantity", "Pieces come back whole.", "whole_pieces")
        else:
            asked[pk] += Decimal(line["quantity"])
            left = sold[pk].quantity - sold[pk].returned_quantity
            if asked[pk] > left:
                message = gettext("Only %(left)s of this line is left to return.") % {"left": f"{left:.3f}"}
                line_error(errors, i, "quantity", message, "exceeds_sold")
    if errors:
        raise line_errors(errors)
    return asked


def _return_lines(sale: Sale, sold: dict[int, SaleLine], wanted: dict[int, Decimal]) -> list[SaleReturnLine]:
    """The return's line rows (without their return yet); each sold line's returned quantity is
    advanced in memory."""
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
                sale_line=line,
                quantity=quantity,
                refund=refund,
                cost=cost,
            )
        )
        line.returned_quantity += quantity
    return return_lines


def _returned_event(
    sale: Sale, record: SaleReturn, return_lines: list[SaleReturnLine], actor: User, revenue: Decimal
) -> dict[str, Any]:
    return {
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
            "branch_day_revenue": str(revenue),
            "created_at": record.created_at,
        },
    }


def _returned_so_far(sold: dict[int, SaleLine]) -> dict[int, tuple[Decimal, Decimal]]:
    """Refund and cost already returned per sale line."""
    rows = (
        SaleReturnLine.objects.filter(sale_line_id__in=sold)
        .values("sale_line_id")
        .annotate(refund=Sum("refund"), cost=Sum("cost"))
    )
    done = {row["sale_line_id"]: (row["refund"], row["cost"]) for row in rows}
    return {pk: done.get(pk, (Decimal(0), Decimal(0))) for pk in sold}
