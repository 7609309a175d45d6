"""The alarm notifications raise: a channel failing message after message."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind


class NotificationsFailingAlarm(TypedDict):
    alarm_id: int
    channel: str  # telegram, email or http
    error: str  # the last failure, never a token
    consecutive_failures: int


NOTIFICATIONS_FAILING = alarm_kind(
    "notify_failing",
    label=_("Notifications failing"),
    payload=NotificationsFailingAlarm,
    message=_("Notifications over %(channel)s keep failing: %(error)s"),
    description="A notification channel failed this many messages in a row (a revoked bot token, an SMTP outage, "
    "the SMS gateway down). Cleared (alarm.cleared) by the channel's next sent message.",
)
