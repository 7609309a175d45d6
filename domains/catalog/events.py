"""Events of the e-catalog (topic ``catalog``: staff who may see the catalog) and of agents'
orders from it (topic ``field_orders``)."""

from __future__ import annotations

from typing import TypedDict

from core.roles import roles_with
from realtime.events import event_type


class CatalogChanged(TypedDict):
    counts: dict[str, int]  # rows created or changed per kind: groups, products, prices, stock, …
    product_ids: list[int]  # the products whose row, prices or stock changed (first 500)
    truncated: bool  # more products changed than listed: reload the list


CHANGED = event_type(
    "catalog.changed",
    topic="catalog",
    payload=CatalogChanged,
    description="A batch of catalog changes was applied (one event per batch of a 1C exchange, "
    "however many rows it held). Reload the listed products, or the list when truncated.",
)


# Field orders (topic ``field_orders``): to everyone who sees all visits, and to the order's agent.
MANAGERS = roles_with("visits.view_all")


class FieldOrderStatus(TypedDict):
    field_order_id: int
    agent_id: int
    client_id: int
    status: str  # pending, sent, failed
    onec_number: str  # 1C's document number once sent
    onec_status: str  # 1C's status of the document
    total: str
    currency: str


FIELD_ORDER_STATUS = event_type(
    "field_order.status_changed",
    topic="field_orders",
    payload=FieldOrderStatus,
    description="An agent's order was placed (pending), taken by 1C (sent, with 1C's number) or refused (failed).",
)
