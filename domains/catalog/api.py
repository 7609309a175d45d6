"""The catalog's door: what the 1C integration uses: applying an exchange, an agent's order as a
document to send and what became of it, the catalog's ids by their 1C codes."""

from __future__ import annotations

from domains.catalog.selectors import OrderDocument, order_document, product_ids_by_code
from domains.catalog.services import (
    MalformedChange,
    apply_changes,
    field_order_failed,
    field_order_send_attempt,
    field_order_sent,
    place_order,
)

__all__ = [
    "MalformedChange",
    "OrderDocument",
    "apply_changes",
    "field_order_failed",
    "field_order_send_attempt",
    "field_order_sent",
    "order_document",
    "place_order",
    "product_ids_by_code",
]
