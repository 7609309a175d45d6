"""The points table's upkeep: partitions made ahead, old days dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from domains.tracking import partitions
from domains.tracking.models import LocationPoint
from domains.tracking.services.recording import window


def prune(*, now: datetime | None = None) -> int:
    """Retention: drop (PostgreSQL) or delete (SQLite) points of days older than
    ``LOCATIONS_RETENTION_DAYS``. Returns partitions dropped or rows deleted."""
    now = now or timezone.now()
    oldest_kept = window(now)[0]
    if partitions.partitioned():
        return len(partitions.drop_before(oldest_kept.date()))
    deleted = 0
    while True:
        ids = list(LocationPoint.objects.filter(recorded_at__lt=oldest_kept).values_list("pk", flat=True)[:5000])
        if not ids:
            return deleted
        deleted += LocationPoint.objects.filter(pk__in=ids).delete()[0]


def prepare_partitions(*, now: datetime | None = None, ahead_days: int = 3) -> list[date]:
    """Partitions for the next days; finished days rewritten in track order. Returns the days
    clustered."""
    today = (now or timezone.now()).astimezone(UTC).date()
    partitions.ensure(today + timedelta(days=n) for n in range(ahead_days + 1))
    return partitions.cluster_before(today)
