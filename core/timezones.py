"""Dates as the organization sees them: reports and "today" follow its time zone, not UTC."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from typing import overload

from django.utils import timezone

from core.models import Organization


def tenant_zone(tenant: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tenant.timezone or "UTC")


def local_today(tenant: Organization) -> date:
    return timezone.now().astimezone(tenant_zone(tenant)).date()


def start_of_day(tenant: Organization, day: date) -> datetime:
    """The aware instant the organization's ``day`` begins."""
    return datetime.combine(day, time.min, tzinfo=tenant_zone(tenant))


@overload
def iso_z(moment: datetime) -> str: ...
@overload
def iso_z(moment: None) -> None: ...
def iso_z(moment: datetime | None) -> str | None:
    """A UTC moment as every payload writes it: ISO 8601 with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None
