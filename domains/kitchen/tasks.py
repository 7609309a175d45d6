"""Kitchen jobs: monthly variance reports. (Live portions follow stock through
``realtime.fanout``: ``services.portions_follow_stock``.)"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import dramatiq

from core.models import Organization
from core.timezones import local_today
from domains.kitchen import services
from domains.kitchen.models import Meal, VarianceReport
from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)


@dramatiq.actor(
    broker=broker,
    actor_name="kitchen.build_variance_report",
    queue_name="reports",
    max_retries=3,
    time_limit=10 * 60 * 1000,
)
def build_variance_report(tenant_id: int, month: str) -> None:
    """Build one organization's report for ``month`` (``YYYY-MM-DD``, any day of it). Idempotent:
    a rebuild replaces the figures and never raises a second alarm."""
    tenant = Organization.objects.get(pk=tenant_id)
    report = services.build_variance_report(tenant=tenant, month=date.fromisoformat(month))
    logger.info(
        "variance report built",
        extra={"tenant_id": tenant_id, "month": month, "difference_pct": str(report.difference_pct)},
    )


def months_due(tenants: list[Organization]) -> list[tuple[Organization, date]]:
    """For each organization whose local month has turned, the month just finished, unless its
    complete report exists already."""
    due = []
    for tenant in tenants:
        previous = (local_today(tenant).replace(day=1) - timedelta(days=1)).replace(day=1)
        if not VarianceReport.objects.filter(tenant=tenant, month=previous, complete=True).exists():
            due.append((tenant, previous))
    return due


# Hourly through the 1st (UTC): every time zone's month turns within that day, give or take.
@periodic("7 * 1,2 * *")
@dramatiq.actor(
    broker=broker,
    actor_name="kitchen.build_monthly_reports",
    queue_name="reports",
    max_retries=0,  # the next hour's run is the retry
    time_limit=10 * 60 * 1000,
)
def build_monthly_reports() -> None:
    """Queue the finished month's report for each organization with a kitchen."""
    tenants = list(Organization.objects.filter(pk__in=Meal.all_objects.values("tenant_id")))
    for tenant, month in months_due(tenants):
        build_variance_report.send(tenant.pk, month.isoformat())
