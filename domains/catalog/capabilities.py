"""What catalog lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

CATALOG_VIEW = capability(
    "catalog.view",
    roles={Role.MANAGER, Role.AGENT, Role.VIEWER},
    text="Browse the e-catalog: products, prices and stock levels",
)
CATALOG_MANAGE = capability(
    "catalog.manage", roles={Role.MANAGER}, text="Add and remove products' pictures (the rest comes from 1C)"
)
FIELD_ORDERS_PLACE = capability(
    "field_orders.place", roles={Role.MANAGER, Role.AGENT}, text="Take clients' orders from the e-catalog (sent to 1C)"
)
