"""What orders lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

ORDERS_PLACE = capability("orders.place", roles={Role.MANAGER, Role.CUSTOMER}, text="Place digital orders")
ORDERS_VIEW_OWN = capability(
    "orders.view_own", roles={Role.MANAGER, Role.CUSTOMER}, text="See one's own orders and their PINs"
)
ORDERS_VIEW_ALL = capability(
    "orders.view_all", roles={Role.MANAGER, Role.VIEWER}, text="Orders overview for the whole organization"
)
ORDERS_VIEW_PINS = capability(
    "orders.view_pins", roles={Role.MANAGER}, text="See PINs of any order of the organization"
)
ORDERS_MANAGE = capability("orders.manage", roles={Role.MANAGER}, text="Retry or cancel orders")
