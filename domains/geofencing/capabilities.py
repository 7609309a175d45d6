"""What geofencing lets people do, and which roles may (the admin holds every capability;
docs/permissions.md). Reading fences is tracking's ``locations.view``."""

from __future__ import annotations

from core.roles import Role, capability

GEOFENCES_MANAGE = capability(
    "geofences.manage", roles={Role.MANAGER}, text="Draw territories and zones, and assign them to agents"
)
