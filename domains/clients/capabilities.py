"""What clients lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

CLIENTS_VIEW_ALL = capability("clients.view_all", roles={Role.MANAGER, Role.VIEWER}, text="See every client")
CLIENTS_VIEW_ASSIGNED = capability(
    "clients.view_assigned", roles={Role.MANAGER, Role.AGENT}, text="See clients assigned to oneself"
)
CLIENTS_MANAGE = capability("clients.manage", roles={Role.MANAGER}, text="Create, edit and assign clients")
REFERENCES_MANAGE = capability("references.manage", roles=(), text="Edit reference dictionaries")
