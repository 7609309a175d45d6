"""Webhooks' writes, one module per job: endpoints, what is queued, and delivering it."""

from __future__ import annotations

from domains.webhooks.services.delivery import GIVE_UP_AFTER, LEASE_SECONDS, RETRY_SCHEDULE, body, deliver_due
from domains.webhooks.services.endpoints import endpoint_create, endpoint_delete, endpoint_update, rotate_secret
from domains.webhooks.services.queue import due_endpoints, kick, purge, queue_events, replay_delivery, replay_range

__all__ = [
    "GIVE_UP_AFTER",
    "LEASE_SECONDS",
    "RETRY_SCHEDULE",
    "body",
    "deliver_due",
    "due_endpoints",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_update",
    "kick",
    "purge",
    "queue_events",
    "replay_delivery",
    "replay_range",
    "rotate_secret",
]
