"""Stock's door: all that other domains may use of it (docs/architecture.md).

The ledger (``apply_movements`` with its ``Change`` and ``qty``), the levels-changed and
product-retiring signals, the product and movement rows other domains point at, the quantity
and money formats, the chart helpers, and the writes the demo data uses.
"""

from __future__ import annotations

from domains.stock.models import (
    MONEY,
    QUANTITY,
    AdjustmentReason,
    BranchStock,
    Delivery,
    Movement,
    MovementKind,
    Product,
    Unit,
)
from domains.stock.selectors import daily_totals, days, product_series
from domains.stock.serializers import (
    ProductRangeInput,
    ProductSeriesOutput,
    currency_field,
    money_field,
    quantity_field,
)
from domains.stock.services import (
    Change,
    InsufficientStock,
    Posting,
    adjust,
    apply_movements,
    branch_minimum,
    category_create,
    delivery_create,
    lock_balances,
    product_create,
    qty,
    transfer,
)
from domains.stock.signals import levels_changed, product_retiring

__all__ = [
    "MONEY",
    "QUANTITY",
    "AdjustmentReason",
    "BranchStock",
    "Change",
    "Delivery",
    "InsufficientStock",
    "Movement",
    "MovementKind",
    "Posting",
    "Product",
    "ProductRangeInput",
    "ProductSeriesOutput",
    "Unit",
    "adjust",
    "apply_movements",
    "branch_minimum",
    "category_create",
    "currency_field",
    "daily_totals",
    "days",
    "delivery_create",
    "levels_changed",
    "lock_balances",
    "money_field",
    "product_create",
    "product_retiring",
    "product_series",
    "qty",
    "quantity_field",
    "transfer",
]
