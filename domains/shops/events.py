"""Events of the shops (topic ``sales``): each goes to organization admins and to the staff of
its branch whose roles allow it (``domains.shops.access.audience_for``)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from realtime.events import event_type
from realtime.topics import topic

SALES_TOPIC = topic(
    "sales", capabilities=("sales.view", "expenses.manage"), description="Shop sales, returns and expenses, per branch"
)


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
    title=gettext_lazy("Sale recorded"),
    topic="sales",
    payload=SaleRecorded,
    description="A cashier recorded a sale; its stock left the branch in the same transaction.",
    message=lambda data: (
        (_("Sale #%(id)s on credit: %(total)s.") if data["payment_method"] == "debt" else _("Sale #%(id)s: %(total)s."))
        % {"id": data["sale_id"], "total": words.money(data["total"], data["currency"])}
    ),
)
SALE_RETURNED = event_type(
    "sale.returned",
    title=gettext_lazy("Sale returned"),
    topic="sales",
    payload=SaleReturned,
    description="All or part of a sale came back: stock returned to the branch and money refunded.",
    message=lambda data: (
        _("Return on sale #%(id)s: %(refund)s refunded.")
        % {"id": data["sale_id"], "refund": words.money(data["refund_total"], data["currency"])}
    ),
)
EXPENSE_CHANGED = event_type(
    "expense.changed",
    title=gettext_lazy("Expense recorded or changed"),
    topic="sales",
    payload=ExpenseChanged,
    description="An expense was recorded, edited or deleted (each change is a numbered revision).",
    message=lambda data: (
        {
            "created": _("Expense recorded: %(amount)s on %(day)s."),
            "updated": _("Expense changed: %(amount)s on %(day)s."),
            "deleted": _("Expense deleted: %(amount)s on %(day)s."),
        }.get(data["action"], _("Expense changed: %(amount)s on %(day)s."))
        % {"amount": words.money(data["amount"], data["currency"]), "day": data["spent_on"]}
    ),
)
