"""Events of the stock ledger (topic ``stock``)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from core import words
from realtime.events import event_type
from realtime.topics import topic

STOCK_TOPIC = topic("stock", capabilities=("stock.view",), description="Stock levels and ledger movements")


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
    title=gettext_lazy("Stock level changed"),
    topic="stock",
    payload=LevelChanged,
    description="A balance changed (delivery, serving, sale, return, transfer, adjustment or reversal): the central "
    "stock's when `branch_id` is null, else that branch's.",
)
LOW = event_type(
    "stock.low",
    title=gettext_lazy("Stock low"),
    topic="stock",
    payload=LowStock,
    description="A product fell below its minimum. Sent once per crossing, not on every movement below it.",
    message=lambda data: (
        _("Low stock: %(name)s is at %(quantity)s (minimum %(minimum)s).")
        % {
            "name": data["name"],
            "quantity": words.quantity(data["quantity"], data["unit"]),
            "minimum": words.quantity(data["minimum"], data["unit"]),
        }
    ),
)
RECOVERED = event_type(
    "stock.recovered",
    title=gettext_lazy("Stock back above its minimum"),
    topic="stock",
    payload=LowStock,
    description="A product that was below its minimum is back at or above it.",
    message=lambda data: (
        _("Stock recovered: %(name)s is at %(quantity)s again.")
        % {"name": data["name"], "quantity": words.quantity(data["quantity"], data["unit"])}
    ),
)
PRODUCT_CHANGED = event_type(
    "stock.product_changed",
    title=gettext_lazy("Product changed"),
    topic="stock",
    payload=ProductChanged,
    description="A product was created, edited or deleted.",
    message=lambda data: (
        (
            _("%(name)s was removed from the products.")
            if data["deleted"]
            else _("Product %(name)s was added or changed.")
        )
        % {"name": data["name"]}
    ),
)
DELIVERY_RECORDED = event_type(
    "stock.delivery_recorded",
    title=gettext_lazy("Delivery recorded"),
    topic="stock",
    payload=DeliveryRecorded,
    message=lambda data: (
        (
            _("The delivery from %(supplier)s of %(day)s was voided.")
            if data["voided"]
            else _("Delivery from %(supplier)s recorded: %(lines)s products.")
        )
        % {"supplier": data["supplier"] or "—", "day": data["delivered_on"], "lines": len(data["lines"])}
    ),
    description="A delivery was recorded, edited or voided; its lines are the product ids and quantities.",
)
