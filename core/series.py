"""Daily series for the dashboards' charts: any rows grouped by the organization's local day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from core.models import Organization
from core.timezones import start_of_day, tenant_zone


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily_totals(
    rows: QuerySet,
    *,
    tenant: Organization,
    start: date,
    end: date,
    key: str,
    value: str,
    time_field: str = "created_at",
) -> dict[Any, dict[date, tuple[Any, int]]]:
    """``{key: {day: (sum of value, row count)}}`` per organization-local day in [start, end]."""
    zone = tenant_zone(tenant)
    period = {
        f"{time_field}__gte": start_of_day(tenant, start),
        f"{time_field}__lt": start_of_day(tenant, end + timedelta(days=1)),
    }
    grouped = (
        rows.filter(**period)
        .annotate(day=TruncDate(time_field, tzinfo=zone))
        .values(key, "day")
        .annotate(total=Sum(value), n=Count("pk"))
        .order_by()
    )
    out: dict[Any, dict[date, Any]] = defaultdict(dict)
    for row in grouped:
        out[row[key]][row["day"]] = (row["total"], row["n"])
    return out
