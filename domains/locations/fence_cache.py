"""Each organization's ``FenceIndex`` (its geofences and clients' zones), kept per process.

An index lives ``INDEX_SECONDS`` at most. A change to a fence bumps the organization's version
(in the cache every process shares), and the next batch rebuilds the index. Clients' zones (the
client's location and the check-in radius) are in it for every agent; a moved client is seen
within ``INDEX_SECONDS``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache

from domains.clients.api import Client
from domains.locations.fences import Fence, FenceIndex, Hours, circle, read_geometry
from domains.locations.models import FieldSettings, Geofence, GeofenceKind

INDEX_SECONDS = 60.0
_indexes: dict[int, tuple[float, Any, FenceIndex]] = {}


def _version_key(tenant_id: int) -> str:
    return f"locations:fences:version:{tenant_id}"


def forget_fences(tenant_id: int) -> None:
    """Every process rebuilds the organization's index at its next batch."""
    cache.set(_version_key(tenant_id), time.time_ns(), timeout=None)
    _indexes.pop(tenant_id, None)


def _build(tenant_id: int, radius_m: float) -> FenceIndex:
    fences = []
    for row in Geofence.objects.filter(tenant_id=tenant_id).prefetch_related("agents"):
        fences.append(
            Fence(
                key=f"f{row.pk}",
                name=row.name,
                kind=row.kind,
                agents=None if row.everyone else frozenset(a.pk for a in row.agents.all()),
                hours=Hours(frozenset(row.days or range(7)), row.start_time, row.end_time),
                dwell_minutes=row.dwell_minutes,
                geometry=read_geometry(row.geometry, row.radius_m),
            )
        )
    located = Client.objects.filter(tenant_id=tenant_id, lat__isnull=False, lon__isnull=False)
    for pk, name, lat, lon in located.values_list("pk", "name", "lat", "lon").iterator(chunk_size=5000):
        fences.append(Fence(f"c{pk}", name, GeofenceKind.ZONE, None, Hours(), None, circle(lat, lon, radius_m)))
    return FenceIndex(fences)


def fence_index(tenant_id: int, rules: FieldSettings) -> FenceIndex:
    version = cache.get(_version_key(tenant_id))
    hit = _indexes.get(tenant_id)
    if hit is not None and hit[1] == version and time.monotonic() - hit[0] < INDEX_SECONDS:
        return hit[2]
    index = _build(tenant_id, float(rules.checkin_radius_m))
    _indexes[tenant_id] = (time.monotonic(), version, index)
    return index
