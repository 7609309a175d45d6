"""Reads of alarms."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Organization
from domains.alarms.models import Alarm


def alarm_list(*, tenant: Organization) -> QuerySet[Alarm]:
    return Alarm.objects.filter(tenant=tenant).select_related("acknowledged_by")
