"""Writes of the e-catalog: applying 1C's changes (``exchange``), agents' orders
(``field_orders``) and products' pictures (``images``)."""

from domains.catalog.services.exchange import KINDS, Applied, MalformedChange, apply_changes
from domains.catalog.services.field_orders import (
    field_order_failed,
    field_order_send_attempt,
    field_order_sent,
    place_order,
)
from domains.catalog.services.images import image_add, image_delete

__all__ = [
    "KINDS",
    "Applied",
    "MalformedChange",
    "apply_changes",
    "field_order_failed",
    "field_order_send_attempt",
    "field_order_sent",
    "image_add",
    "image_delete",
    "place_order",
]
