"""Kitchen jobs: monthly variance reports and the portions safety net."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

import dramatiq
from django.conf import settings
from django.utils import timezone

from core import coalesce
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


def request_portions_refresh(*, tenant_id: int, product_ids: Sequence[int]) -> None:
    """After commit of a stock change: the meals using those products are recomputed by one
    job per organization ``PORTIONS_REFRESH_DELAY_MS`` later, for every change made meanwhile
    (a burst of servings locks and recomputes the meals once, not once per serving)."""
    try:
        if coalesce.request(services.PENDING.format(tenant_id=tenant_id), product_ids):
            refresh_portions.send_with_options(args=(tenant_id,), delay=settings.PORTIONS_REFRESH_DELAY_MS or None)
    except Exception:
        # The stock change is committed and stands; the periodic reconcile repairs the counts.
        logger.exception("portions refresh not scheduled", extra={"tenant_id": tenant_id})


@dramatiq.actor(
    broker=broker,
    actor_name="kitchen.refresh_portions",
    queue_name="live",
    max_retries=3,
    min_backoff=200,
    time_limit=60 * 1000,
)
def refresh_portions(tenant_id: int) -> None:
    """Recompute the portions of the meals whose products changed. Safe to run twice: a second
    run finds nothing requested, or recomputes counts that are already right."""
    services.refresh_requested_portions(tenant_id=tenant_id)


@periodic("*/10 * * * *")
@dramatiq.actor(
    broker=broker,
    actor_name="kitchen.reconcile_portions",
    queue_name="housekeeping",
    max_retries=0,
    time_limit=5 * 60 * 1000,
)
def reconcile_portions() -> None:
    """Announce any portions count a lost after-commit refresh left stale (a process died
    between commit and refresh). Normally finds nothing."""
    started = timezone.now()
    fixed = 0
    for tenant_id in Meal.objects.values_list("tenant_id", flat=True).distinct():
        fixed += len(services.refresh_portions(tenant_id=tenant_id, meals=Meal.objects.filter(tenant_id=tenant_id)))
    logger.info("portions reconciled", extra={"changed": fixed, "seconds": (timezone.now() - started).total_seconds()})
