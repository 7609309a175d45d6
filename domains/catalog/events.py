"""Events of the e-catalog (topic ``catalog``: staff who may see the catalog) and of agents'
orders from it (topic ``field_orders``)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from core.roles import roles_with
from realtime.events import event_type
from realtime.topics import topic

CATALOG_TOPIC = topic(
    "catalog", capabilities=("catalog.view",), description="E-catalog changes from 1C: products, prices, stock levels"
)
FIELD_ORDERS_TOPIC = topic(
    "field_orders",
    capabilities=("visits.view_all", "field_orders.place"),
    description="Agents' orders; agents see only their own",
)


class CatalogChanged(TypedDict):
    counts: dict[str, int]  # rows created or changed per kind: groups, products, prices, stock, …
    product_ids: list[int]  # the products whose row, prices or stock changed (first 500)
    truncated: bool  # more products changed than listed: reload the list


CHANGED = event_type(
    "catalog.changed",
    title=gettext_lazy("Catalog changed"),
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
    title=gettext_lazy("Agent's order status changed"),
    topic="field_orders",
    payload=FieldOrderStatus,
    description="An agent's order was placed (pending), taken by 1C (sent, with 1C's number) or refused (failed).",
    message=lambda data: (
        {
            "pending": _("%(who)s placed order #%(id)s: %(total)s."),
            "sent": _("Order #%(id)s (%(total)s) is in 1C as %(number)s."),
            "failed": _("1C refused order #%(id)s (%(total)s)."),
        }.get(data["status"], _("Order #%(id)s changed."))
        % {
            "who": words.person(data["agent_id"]),
            "id": data["field_order_id"],
            "total": words.money(data["total"], data["currency"]),
            "number": data["onec_number"] or "—",
        }
    ),
)
