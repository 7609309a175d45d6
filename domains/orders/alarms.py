"""The alarm digital orders raise: a provider failing call after call."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind


class ProviderErrorsAlarm(TypedDict):
    alarm_id: int
    provider_id: int
    provider_name: str
    consecutive_errors: int
    failing_since: str
    last_error: str


PROVIDER_ERRORS = alarm_kind(
    "provider_errors",
    label=_("Order provider failing"),
    payload=ProviderErrorsAlarm,
    message=_("Order provider %(provider_name)s failed %(consecutive_errors)s calls in a row: %(last_error)s"),
    description="An order provider failed this many calls in a row (its error_alarm_threshold). "
    "Sent once per outage; polling goes on until each order's deadline.",
)
