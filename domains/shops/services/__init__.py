"""Shops' writes, one module per job: stores, branches and staff; sales; returns; expenses."""

from __future__ import annotations

from domains.shops.services.expenses import (
    DEFAULT_EXPENSE_CATEGORIES,
    TRACKED,
    category_create,
    category_delete,
    category_update,
    ensure_default_categories,
    expense_create,
    expense_delete,
    expense_update,
)
from domains.shops.services.places import (
    branch_create,
    branch_delete,
    branch_update,
    staff_assign,
    staff_unassign,
    store_create,
    store_delete,
    store_update,
)
from domains.shops.services.returns import sale_return
from domains.shops.services.sales import CENT, MAX_LINES, Figures, LineErrors, cents, sale_record

__all__ = [
    "CENT",
    "DEFAULT_EXPENSE_CATEGORIES",
    "MAX_LINES",
    "TRACKED",
    "Figures",
    "LineErrors",
    "branch_create",
    "branch_delete",
    "branch_update",
    "category_create",
    "category_delete",
    "category_update",
    "cents",
    "ensure_default_categories",
    "expense_create",
    "expense_delete",
    "expense_update",
    "sale_record",
    "sale_return",
    "staff_assign",
    "staff_unassign",
    "store_create",
    "store_delete",
    "store_update",
]
