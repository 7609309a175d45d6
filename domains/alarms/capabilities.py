"""What alarms lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import Role, capability

ALARMS_VIEW = capability("alarms.view", roles={Role.MANAGER}, text="See variance and operational alarms")
ALARMS_ACKNOWLEDGE = capability("alarms.acknowledge", roles={Role.MANAGER}, text="Acknowledge alarms")
