"""What the organization's own settings and reports allow, and which roles hold it (docs/permissions.md)."""

from __future__ import annotations

from core.roles import STAFF, Role, capability

TENANT_VIEW = capability("tenant.view", roles=STAFF, text="Read the organization's profile and settings")
TENANT_MANAGE = capability("tenant.manage", roles=(), text="Change the organization's profile and settings")
ANALYTICS_VIEW = capability(
    "analytics.view", roles={Role.MANAGER, Role.VIEWER}, text="Reports, charts and monthly variance"
)
