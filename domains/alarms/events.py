"""Events of alarms (topic ``alarms``: admins and managers)."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class VarianceAlarm(TypedDict):
    alarm_id: int
    subject: str  # the month, "2026-10"
    message: str
    difference_pct: str
    threshold_pct: str
    served: int
    possible: int
    report_id: int


class ProviderErrorsAlarm(TypedDict):
    alarm_id: int
    provider_id: int
    provider_name: str
    consecutive_errors: int
    failing_since: str
    last_error: str


class OnecFailingAlarm(TypedDict):
    alarm_id: int
    failing_since: str
    error: str  # the failed exchange's error (never a password)


class OutsideTerritoryAlarm(TypedDict):
    alarm_id: int
    agent_id: int
    since: str  # the device time of the first fix outside
    lat: float
    lon: float
    territories: list[str]  # the names of the agent's territories


class WebhookFailingAlarm(TypedDict):
    alarm_id: int
    endpoint_id: int
    url: str
    state: str  # paused or disabled
    reason: str


class NotificationsFailingAlarm(TypedDict):
    alarm_id: int
    channel: str  # telegram, email or http
    error: str  # the last failure, never a token
    consecutive_failures: int


class AlarmCleared(TypedDict):
    alarm_id: int
    kind: str
    subject: str


class AlarmAcknowledged(TypedDict):
    alarm_id: int
    kind: str
    subject: str
    acknowledged_by: int
    note: str


VARIANCE = event_type(
    "alarm.variance",
    topic="alarms",
    payload=VarianceAlarm,
    description="A month's served-vs-possible difference exceeded the organization's threshold. Sent once per month.",
)
PROVIDER_ERRORS = event_type(
    "alarm.provider_errors",
    topic="alarms",
    payload=ProviderErrorsAlarm,
    description="An order provider failed this many calls in a row (its error_alarm_threshold). "
    "Sent once per outage; polling goes on until each order's deadline.",
)
ONEC_FAILING = event_type(
    "alarm.onec_failing",
    topic="alarms",
    payload=OnecFailingAlarm,
    description="The organization's 1C exchange failed. Sent once per outage; cleared (alarm.cleared) when an "
    "exchange succeeds again.",
)
OUTSIDE_TERRITORY = event_type(
    "alarm.outside_territory",
    topic="alarms",
    payload=OutsideTerritoryAlarm,
    description="An agent's fix in working hours lies outside every territory of theirs. Sent once per excursion; "
    "cleared (alarm.cleared) by their first fix back inside.",
)
WEBHOOK_FAILING = event_type(
    "alarm.webhook_failing",
    topic="alarms",
    payload=WebhookFailingAlarm,
    description="A webhook endpoint stopped: paused after a delivery failed for 24 hours, or disabled by a 410 "
    "from the receiver. Its deliveries wait in order; cleared (alarm.cleared) when an admin resumes it.",
)
NOTIFICATIONS_FAILING = event_type(
    "alarm.notify_failing",
    topic="alarms",
    payload=NotificationsFailingAlarm,
    description="A notification channel failed this many messages in a row (a revoked bot token, an SMTP outage, "
    "the SMS gateway down). Cleared (alarm.cleared) by the channel's next sent message.",
)
CLEARED = event_type(
    "alarm.cleared",
    topic="alarms",
    payload=AlarmCleared,
    description="What the alarm was about is over (the 1C exchange works again, the agent is back in their territory).",
)
ACKNOWLEDGED = event_type(
    "alarm.acknowledged", topic="alarms", payload=AlarmAcknowledged, description="A manager acknowledged an alarm."
)
