"""What tracking lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

LOCATIONS_REPORT = capability("locations.report", roles={Role.MANAGER, Role.AGENT}, text="Send one's own GPS fixes")
LOCATIONS_VIEW = capability(
    "locations.view", roles={Role.MANAGER, Role.VIEWER}, text="See agents' live positions and tracks"
)
DEVICES_MANAGE = capability(
    "devices.manage", roles={Role.MANAGER}, text="Make and revoke tracker-app tokens for any agent"
)
