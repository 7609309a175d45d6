"""What kitchen lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

KITCHEN_SERVE = capability("kitchen.serve", roles={Role.MANAGER, Role.COOK}, text="Serve meals (deducts ingredients)")
KITCHEN_VIEW = capability(
    "kitchen.view", roles={Role.MANAGER, Role.COOK, Role.VIEWER}, text="See meals, recipes and portions possible"
)
KITCHEN_MANAGE = capability("kitchen.manage", roles={Role.MANAGER}, text="Edit meals and recipes")
