"""Reads of geofences: the organization's fences, and the time an agent spent outside their
territories (for the day's report)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q, QuerySet

from core.models import Organization
from core.timezones import tenant_zone
from domains.geofencing.fence_cache import fences_of
from domains.geofencing.geometry import FenceIndex
from domains.geofencing.models import Geofence

OUTSIDE_GAP_SECONDS = 600.0


def geofence_list(*, tenant: Organization) -> QuerySet[Geofence]:
    return Geofence.objects.filter(tenant=tenant).prefetch_related("agents")


def territories_index(tenant: Organization, agent_id: int) -> FenceIndex:
    """Only the agent's territories, read now: what a report of their day needs, without the
    organization's whole index (every located client) built for it."""
    rows = (
        Geofence.objects.filter(tenant_id=tenant.pk, kind="territory")
        .filter(Q(everyone=True) | Q(agents=agent_id))
        .distinct()
        .prefetch_related("agents")
    )
    return FenceIndex(fences_of(rows), zone=tenant_zone(tenant))


def outside_territory_seconds(
    *, tenant: Organization, agent_id: int, points: Sequence[tuple[datetime, float, float]]
) -> float:
    """Time in working hours outside every territory of the agent's (none: 0), over their
    (recorded_at, lat, lon) points in time order; a silence counts for at most
    ``OUTSIDE_GAP_SECONDS``."""
    index = territories_index(tenant, agent_id)
    territories = index.territories_of(agent_id)
    if not territories or len(points) < 2:
        return 0.0
    keys = {t.key for t in territories}
    held = index.holding(((lat, lon) for _at, lat, lon in points), agent_id)
    total = 0.0
    for ((at, _lat, _lon), inside), following in zip(zip(points, held, strict=True), points[1:], strict=False):
        working = any(t.hours.covers(at, index.zone) for t in territories)
        if working and not inside & keys:
            total += min((following[0] - at).total_seconds(), OUTSIDE_GAP_SECONDS)
    return total
