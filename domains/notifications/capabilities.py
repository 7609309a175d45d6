"""What notifications lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import EVERYONE, capability

NOTIFICATIONS_MANAGE = capability(
    "notifications.manage",
    roles=(),
    text="Connect the Telegram bot and SMS gateway, write notification rules, read the log",
)
NOTIFICATIONS_OWN = capability(
    "notifications.own", roles=EVERYONE, text="Set one's own notification language, quiet hours and channels"
)
