"""The alarm webhooks raise: an endpoint stopped after failing deliveries."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind


class WebhookFailingAlarm(TypedDict):
    alarm_id: int
    endpoint_id: int
    url: str
    state: str  # paused or disabled
    reason: str


WEBHOOK_FAILING = alarm_kind(
    "webhook_failing",
    label=_("Webhook failing"),
    payload=WebhookFailingAlarm,
    message=_("Webhook %(url)s is %(state)s: %(reason)s"),
    description="A webhook endpoint stopped: paused after a delivery failed for 24 hours, or disabled by a 410 "
    "from the receiver. Its deliveries wait in order; cleared (alarm.cleared) when an admin resumes it.",
)
