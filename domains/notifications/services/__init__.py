"""Notifications' writes, one module per job: the organization's channels, members'
preferences and Telegram links, rules, queuing each event's messages, and sending them."""

from __future__ import annotations

from domains.notifications.services.channels import gateway_delete, gateway_save, telegram_connect, telegram_disconnect
from domains.notifications.services.members import (
    link_code_create,
    poll_telegram,
    preference_for,
    preference_update,
    telegram_unlink,
)
from domains.notifications.services.queue import available_channels, queue_notifications
from domains.notifications.services.rules import rule_delete, rule_save
from domains.notifications.services.sending import due_notifications, kick, send

__all__ = [
    "available_channels",
    "due_notifications",
    "gateway_delete",
    "gateway_save",
    "kick",
    "link_code_create",
    "poll_telegram",
    "preference_for",
    "preference_update",
    "queue_notifications",
    "rule_delete",
    "rule_save",
    "send",
    "telegram_connect",
    "telegram_disconnect",
    "telegram_unlink",
]
