"""What stock lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

STOCK_VIEW = capability(
    "stock.view", roles={Role.MANAGER, Role.VIEWER}, text="See products, stock levels and the ledger"
)
STOCK_MANAGE = capability(
    "stock.manage", roles={Role.MANAGER}, text="Create products, record deliveries and adjustments"
)
