"""Events of the stock ledger (topic ``stock``)."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class LevelChanged(TypedDict):
    product_id: int
    branch_id: int | None  # the shop branch whose balance this is; null for the central stock
    name: str
    unit: str
    quantity: str  # the new balance, an exact decimal
    change: str
    kind: str
    movement_id: int  # increases with every change of this product: order levels by it
    minimum: str | None
    is_low: bool


class LowStock(TypedDict):
    product_id: int
    branch_id: int | None
    name: str
    unit: str
    quantity: str
    minimum: str


class ProductChanged(TypedDict):
    product_id: int
    name: str
    unit: str
    sku: str
    barcode: str
    category_id: int | None
    sale_price: str | None
    cost_price: str | None
    currency: str
    minimum: str | None
    location: str
    deleted: bool


class DeliveryRecorded(TypedDict):
    delivery_id: int
    supplier: str
    delivered_on: str
    lines: list
    voided: bool


LEVEL_CHANGED = event_type(
    "stock.level_changed",
    topic="stock",
    payload=LevelChanged,
    description="A balance changed (delivery, serving, sale, return, transfer, adjustment or reversal): the central "
    "stock's when `branch_id` is null, else that branch's.",
)
LOW = event_type(
    "stock.low",
    topic="stock",
    payload=LowStock,
    description="A product fell below its minimum. Sent once per crossing, not on every movement below it.",
)
RECOVERED = event_type(
    "stock.recovered",
    topic="stock",
    payload=LowStock,
    description="A product that was below its minimum is back at or above it.",
)
PRODUCT_CHANGED = event_type(
    "stock.product_changed",
    topic="stock",
    payload=ProductChanged,
    description="A product was created, edited or deleted.",
)
DELIVERY_RECORDED = event_type(
    "stock.delivery_recorded",
    topic="stock",
    payload=DeliveryRecorded,
    description="A delivery was recorded, edited or voided; its lines are the product ids and quantities.",
)
