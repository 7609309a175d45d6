"""What members lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

MEMBERS_VIEW = capability("members.view", roles={Role.MANAGER}, text="List staff and customers of the organization")
MEMBERS_MANAGE = capability("members.manage", roles=(), text="Invite members, change roles, deactivate members")
