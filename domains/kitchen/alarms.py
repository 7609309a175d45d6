"""The alarm the kitchen raises: a month whose served-vs-possible difference passed the threshold."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind


class VarianceAlarm(TypedDict):
    alarm_id: int
    subject: str  # the month, "2026-10"
    message: str
    difference_pct: str
    threshold_pct: str
    served: int
    possible: int
    report_id: int


VARIANCE = alarm_kind(
    "variance",
    label=_("Kitchen variance"),
    payload=VarianceAlarm,
    message=_("Kitchen variance for %(subject)s is %(difference_pct)s%% (threshold %(threshold_pct)s%%)."),
    description="A month's served-vs-possible difference exceeded the organization's threshold. Sent once per month.",
)
