"""Each organization's ``FenceIndex`` (its geofences and clients' zones), kept per process.

An index lives ``INDEX_SECONDS`` at most. A change to a fence bumps the organization's version
(in the cache every process shares), and the next batch rebuilds the index. Clients' zones (the
client's location and the check-in radius) are in it for the agents assigned to each client; a
moved client is seen within about ``INDEX_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection

from core.models import Organization
from core.timezones import tenant_zone
from domains.clients.api import assigned_client_places
from domains.geofencing.geometry import ClientZones, Fence, FenceIndex, Hours, read_geometry
from domains.geofencing.models import Geofence
from domains.tracking.api import checkin_rules

INDEX_SECONDS = 60.0
_indexes: dict[int, tuple[float, Any, FenceIndex]] = {}
_building: set[int] = set()
_building_lock = threading.Lock()
logger = logging.getLogger(__name__)


def _version_key(tenant_id: int) -> str:
    return f"locations:fences:version:{tenant_id}"


def forget_fences(tenant_id: int) -> None:
    """Every process rebuilds the organization's index at its next batch."""
    cache.set(_version_key(tenant_id), time.time_ns(), timeout=None)
    _indexes.pop(tenant_id, None)


def fences_of(rows: Iterable[Geofence]) -> list[Fence]:
    """Geofence rows (with their agents prefetched) as the index's fences."""
    return [
        Fence(
            key=f"f{row.pk}",
            name=row.name,
            kind=row.kind,
            agents=None if row.everyone else frozenset(a.pk for a in row.agents.all()),
            hours=Hours(frozenset(row.days or range(7)), row.start_time, row.end_time),
            dwell_minutes=row.dwell_minutes,
            geometry=read_geometry(row.geometry, row.radius_m),
            radius_m=row.radius_m,  # set for a circle only (the serializer insists)
        )
        for row in rows
    ]


def _build(tenant_id: int) -> FenceIndex:
    fences = fences_of(Geofence.objects.filter(tenant_id=tenant_id).prefetch_related("agents"))
    # Assigned clients only: a client's zone is for the agents who visit it, a circle of the
    # check-in radius (read with the clients: a changed radius is seen within INDEX_SECONDS too).
    radius_m = float(checkin_rules(tenant_id=tenant_id).radius_m)
    places = assigned_client_places(tenant_id=tenant_id)
    clients = ClientZones(
        ids=[p.id for p in places],
        names=[p.name for p in places],
        coordinates=np.array([(p.lon, p.lat) for p in places], dtype=float).reshape(-1, 2),
        agents=[p.agent_ids for p in places],
        radius_m=radius_m,
    )
    tenant = Organization.objects.only("timezone").get(pk=tenant_id)
    return FenceIndex(fences, clients, zone=tenant_zone(tenant))


def fence_index(tenant_id: int) -> FenceIndex:
    """The organization's index. A stale one (older than ``INDEX_SECONDS``, or another process
    changed a fence) is served while a thread rebuilds it: a build reads every located client
    (0.4 s at 70,000) and must not hold up the points waiting for their commit."""
    version = cache.get(_version_key(tenant_id))
    hit = _indexes.get(tenant_id)
    if hit is None:
        index = _build(tenant_id)
        _indexes[tenant_id] = (time.monotonic(), version, index)
        return index
    if hit[1] != version or time.monotonic() - hit[0] >= INDEX_SECONDS:
        with _building_lock:
            if tenant_id not in _building:
                _building.add(tenant_id)
                threading.Thread(target=_rebuild, args=(tenant_id, version), name="fence-index", daemon=True).start()
    return hit[2]


def _rebuild(tenant_id: int, version: Any) -> None:
    try:
        _indexes[tenant_id] = (time.monotonic(), version, _build(tenant_id))
    except Exception:  # the old index stays in service; the next batch tries again
        logger.exception("geofence index rebuild failed", extra={"tenant_id": tenant_id})
    finally:
        _building.discard(tenant_id)
        connection.close()  # this thread's own connection
