"""Reads of the shops: lists for the REST API and the report figures.

Reports read the ``DailySales`` rollup (one row per branch, day and product) and the expenses,
never the sale lines, so a month over a million lines costs a few thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.models import Organization
from domains.shops.models import (
    Branch,
    BranchStaff,
    DailySales,
    Expense,
    ExpenseCategory,
    ExpenseRevision,
    Sale,
    SaleLine,
    SaleReturn,
    Store,
)

ZERO = Decimal(0)


def store_list(*, tenant: Organization) -> QuerySet[Store]:
    return Store.objects.filter(tenant=tenant).annotate(
        branch_count=Count("branches", filter=Q(branches__deleted_at=None))
    )


def branch_list(*, tenant: Organization) -> QuerySet[Branch]:
    return Branch.objects.filter(tenant=tenant).select_related("store")


def staff_of(*, branch: Branch) -> QuerySet[BranchStaff]:
    return BranchStaff.objects.filter(branch=branch).select_related("user").order_by("user__username")


def live_branch_ids(*, tenant: Organization) -> list[int]:
    return list(Branch.objects.filter(tenant=tenant).values_list("pk", flat=True))


def sale_list(*, tenant: Organization) -> QuerySet[Sale]:
    lines = SaleLine.objects.select_related("product").order_by("pk")
    returns = SaleReturn.objects.prefetch_related("lines").order_by("pk")
    return (
        Sale.objects.filter(tenant=tenant)
        .select_related("branch", "cashier")
        .prefetch_related(Prefetch("lines", queryset=lines), Prefetch("returns", queryset=returns))
    )


def expense_list(*, tenant: Organization, deleted_too: bool = False) -> QuerySet[Expense]:
    manager = Expense.all_objects if deleted_too else Expense.objects
    return manager.filter(tenant=tenant).select_related("category", "branch", "created_by")


def expense_history(*, expense: Expense) -> QuerySet[ExpenseRevision]:
    return ExpenseRevision.objects.filter(expense=expense).select_related("changed_by").order_by("version")


# Reports


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _rollup(tenant: Organization, start: date, end: date, branch_ids: Collection[int] | None) -> QuerySet:
    rows = DailySales.objects.filter(tenant=tenant, day__gte=start, day__lte=end)
    return rows if branch_ids is None else rows.filter(branch_id__in=branch_ids)


def _expenses(tenant: Organization, start: date, end: date, branch_ids: Collection[int] | None) -> QuerySet:
    rows = Expense.objects.filter(tenant=tenant, spent_on__gte=start, spent_on__lte=end)
    return rows if branch_ids is None else rows.filter(branch_id__in=branch_ids)


def summary(
    *, tenant: Organization, start: date, end: date, branch_ids: Collection[int] | None
) -> dict[str, list[dict[str, Any]]]:
    """Net revenue, cost, gross margin and expenses in [start, end] (organization-local days), per
    day and branch, per product category, per expense category, and in total; every figure per
    currency. ``branch_ids`` None means every branch."""
    sales = _rollup(tenant, start, end, branch_ids)
    spent = _expenses(tenant, start, end, branch_ids)
    per_day = _per_day(sales, spent)
    return {
        "days": per_day,
        "categories": _categories(sales),
        "expense_categories": _expense_categories(spent),
        "totals": _totals(per_day),
    }


_MONEY_SUM = DecimalField(max_digits=16, decimal_places=2)


def _sums() -> dict[str, Any]:
    return {name: Coalesce(Sum(name), Value(ZERO), output_field=_MONEY_SUM) for name in ("revenue", "cost", "discount")}


def _per_day(sales: QuerySet, spent: QuerySet) -> list[dict[str, Any]]:
    days: dict[tuple, dict[str, Any]] = {}

    def day_row(day: date, branch_id: int, currency: str) -> dict[str, Any]:
        key = (day, branch_id, currency)
        if key not in days:
            days[key] = {"day": day, "branch_id": branch_id, "currency": currency, "revenue": ZERO, "cost": ZERO}
            days[key].update(discount=ZERO, expenses=ZERO)
        return days[key]

    for row in sales.values("day", "branch_id", "currency").annotate(**_sums()):
        day_row(row["day"], row["branch_id"], row["currency"]).update(
            revenue=row["revenue"], cost=row["cost"], discount=row["discount"]
        )
    for row in spent.values("spent_on", "branch_id", "currency").annotate(amount=Sum("amount")):
        day_row(row["spent_on"], row["branch_id"], row["currency"])["expenses"] = row["amount"]
    return [_with_margin(days[key]) for key in sorted(days)]


def _categories(sales: QuerySet) -> list[dict[str, Any]]:
    return [
        _with_margin(
            {
                "category_id": row["product__category_id"],
                "name": row["product__category__name"] or "Uncategorized",
                "currency": row["currency"],
                "revenue": row["revenue"],
                "cost": row["cost"],
                "discount": row["discount"],
            }
        )
        for row in sales.values("product__category_id", "product__category__name", "currency")
        .annotate(**_sums())
        .order_by("-revenue", "product__category__name")
    ]


def _expense_categories(spent: QuerySet) -> list[dict[str, Any]]:
    return [
        {
            "category_id": row["category_id"],
            "name": row["category__name"],
            "currency": row["currency"],
            "amount": _money(row["amount"]),
        }
        for row in spent.values("category_id", "category__name", "currency")
        .annotate(amount=Sum("amount"))
        .order_by("-amount", "category__name")
    ]


def _totals(per_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"revenue": ZERO, "cost": ZERO, "discount": ZERO, "expenses": ZERO}
    )
    for row in per_day:
        total = totals[row["currency"]]
        for field in ("revenue", "cost", "discount", "expenses"):
            total[field] += row[field]
    overall = []
    for currency in sorted(totals):
        row = _with_margin({"currency": currency, **totals[currency]})
        row["net"] = _money(row["gross_margin"] - row["expenses"])
        overall.append(row)
    return overall


def _with_margin(row: dict[str, Any]) -> dict[str, Any]:
    for field in ("revenue", "cost", "discount", "expenses"):
        if field in row:
            row[field] = _money(row[field])
    row["gross_margin"] = row["revenue"] - row["cost"]
    row["margin_percent"] = (
        (row["gross_margin"] * 100 / row["revenue"]).quantize(Decimal("0.1")) if row["revenue"] else None
    )
    return row


def top_products(
    *, tenant: Organization, start: date, end: date, branch_ids: Collection[int] | None, limit: int = 10
) -> list[dict[str, Any]]:
    """The best sellers by net revenue in [start, end], per currency."""
    rows = (
        _rollup(tenant, start, end, branch_ids)
        .values("product_id", "product__name", "product__sku", "product__unit", "currency")
        .annotate(quantity=Sum("quantity"), revenue=Sum("revenue"), cost=Sum("cost"))
        .order_by("-revenue", "product__name")[:limit]
    )
    return [
        _with_margin(
            {
                "product_id": row["product_id"],
                "name": row["product__name"],
                "sku": row["product__sku"],
                "unit": row["product__unit"],
                "currency": row["currency"],
                "quantity": row["quantity"],
                "revenue": row["revenue"],
                "cost": row["cost"],
            }
        )
        for row in rows
    ]


def expense_category_list(*, tenant: Organization) -> QuerySet[ExpenseCategory]:
    return ExpenseCategory.objects.filter(tenant=tenant).order_by("name")
