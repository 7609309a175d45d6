"""Events of the shops (topic ``sales``): each goes to organization admins and to the staff of
its branch whose roles allow it (``domains.shops.access.audience_for``)."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class SaleRecorded(TypedDict):
    sale_id: int
    branch_id: int
    cashier_id: int
    payment_method: str
    currency: str
    total: str
    cost_total: str
    lines: list  # [{"product_id", "quantity", "total"}]
    business_day: str
    # The branch's net revenue in this currency for the day, after this sale: what a
    # dashboard's revenue counter shows. Keep the value of the highest sale_id.
    branch_day_revenue: str
    created_at: str


class SaleReturned(TypedDict):
    return_id: int
    sale_id: int
    branch_id: int
    currency: str
    refund_total: str
    refund_method: str
    lines: list  # [{"sale_line_id", "product_id", "quantity", "refund"}]
    business_day: str
    branch_day_revenue: str
    created_at: str


class ExpenseChanged(TypedDict):
    expense_id: int
    branch_id: int
    category_id: int
    amount: str
    currency: str
    spent_on: str
    version: int
    action: str  # created, updated, deleted


SALE_RECORDED = event_type(
    "sale.recorded",
    topic="sales",
    payload=SaleRecorded,
    description="A cashier recorded a sale; its stock left the branch in the same transaction.",
)
SALE_RETURNED = event_type(
    "sale.returned",
    topic="sales",
    payload=SaleReturned,
    description="All or part of a sale came back: stock returned to the branch and money refunded.",
)
EXPENSE_CHANGED = event_type(
    "expense.changed",
    topic="sales",
    payload=ExpenseChanged,
    description="An expense was recorded, edited or deleted (each change is a numbered revision).",
)
