"""What visits lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

VISITS_OWN = capability(
    "visits.own", roles={Role.MANAGER, Role.AGENT}, text="Plan, check in to and out of one's own visits"
)
VISITS_VIEW_ALL = capability("visits.view_all", roles={Role.MANAGER, Role.VIEWER}, text="See every agent's visits")
