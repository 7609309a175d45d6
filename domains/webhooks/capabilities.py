"""What webhooks lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import capability

WEBHOOKS_MANAGE = capability(
    "webhooks.manage", roles=(), text="Register webhook endpoints, read their delivery log, replay deliveries"
)
