"""What shops lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

SALES_RECORD = capability("sales.record", roles={Role.MANAGER, Role.CASHIER}, text="Record sales and returns")
SALES_VIEW = capability("sales.view", roles={Role.MANAGER, Role.CASHIER, Role.VIEWER}, text="See sales")
EXPENSES_MANAGE = capability("expenses.manage", roles={Role.MANAGER}, text="Record and edit expenses")
SHOPS_MANAGE = capability("shops.manage", roles=(), text="Create stores and branches, assign staff")
