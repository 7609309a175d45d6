"""Who may see the lost-and-found book and who may log in it."""

from __future__ import annotations

from core.roles import Role, capability

VIEW = capability("lostfound.view", roles={Role.MANAGER, Role.COOK, Role.VIEWER}, text="See things found")
RECORD = capability("lostfound.record", roles={Role.MANAGER, Role.COOK}, text="Log a thing found")
