"""Stock's writes, one module per job: the ledger every balance change goes through, products and
categories, deliveries, and adjustments, reversals and transfers."""

from __future__ import annotations

from domains.stock.services.adjustments import REVERSIBLE, adjust, reverse, transfer
from domains.stock.services.deliveries import delivery_create, delivery_update, delivery_void
from domains.stock.services.ledger import Change, InsufficientStock, Posting, apply_movements, lock_balances, qty
from domains.stock.services.products import (
    COMMERCIAL_FIELDS,
    branch_minimum,
    category_create,
    category_delete,
    category_rename,
    product_create,
    product_delete,
    product_update,
)

__all__ = [
    "COMMERCIAL_FIELDS",
    "REVERSIBLE",
    "Change",
    "InsufficientStock",
    "Posting",
    "adjust",
    "apply_movements",
    "branch_minimum",
    "category_create",
    "category_delete",
    "category_rename",
    "delivery_create",
    "delivery_update",
    "delivery_void",
    "lock_balances",
    "product_create",
    "product_delete",
    "product_update",
    "qty",
    "reverse",
    "transfer",
]
