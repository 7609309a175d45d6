"""The alarm the 1C integration raises: its exchange failing."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind
from domains.onec import problems


class OnecFailingAlarm(TypedDict):
    alarm_id: int
    failing_since: str
    error: str  # the failed exchange's error (never a password)


ONEC_FAILING = alarm_kind(
    "onec_failing",
    label=_("1C exchange failing"),
    payload=OnecFailingAlarm,
    message=lambda data: _("The 1C exchange is failing: %(error)s") % {"error": problems.read(data["error"])},
    description="The organization's 1C exchange failed. Sent once per outage; cleared (alarm.cleared) when an "
    "exchange succeeds again.",
)
