"""The catalog's door: what the 1C integration uses (applying an exchange, sending orders)."""

from __future__ import annotations

from domains.catalog.models import FieldOrder, FieldOrderStatus, PriceType, Product, Warehouse
from domains.catalog.services import (
    KINDS,
    Applied,
    MalformedChange,
    apply_changes,
    field_order_failed,
    field_order_send_attempt,
    field_order_sent,
    place_order,
)

__all__ = [
    "KINDS",
    "Applied",
    "FieldOrder",
    "FieldOrderStatus",
    "MalformedChange",
    "PriceType",
    "Product",
    "Warehouse",
    "apply_changes",
    "field_order_failed",
    "field_order_send_attempt",
    "field_order_sent",
    "place_order",
]
