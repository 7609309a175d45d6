"""Geofences on the bench phones' paths."""

from __future__ import annotations

from core.models import Membership, Organization
from domains.geofencing.fence_cache import forget_fences
from domains.geofencing.models import Geofence


def _square(lon: float, lat: float, west: float, south: float, east: float, north: float) -> dict:
    ring = [[lon - west, lat - south], [lon + east, lat - south], [lon + east, lat + north], [lon - west, lat + north]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def fences(tenant: Organization, walkers: list[Membership], count: int) -> None:
    """Geofences on the phones' paths: phone n walks north from 41.2 + n * 0.001 and crosses one
    or two of them; every tenth is its agent's territory, which the agent walks out of."""
    Geofence.objects.filter(tenant=tenant).delete()
    made, territories = [], []
    for k in range(count):
        n = k % len(walkers)
        lat, lon = 41.2 + n * 0.001 + 0.0003, 69.25
        if k % 10 == 9:
            fence = Geofence(tenant=tenant, name=f"territory {k}", kind="territory", everyone=False)
            fence.geometry = _square(lon, lat, 0.001, 0.001, 0.001, 0.0001)
            territories.append((fence, [walkers[n].user_id]))
        elif k % 2:
            fence = Geofence(tenant=tenant, name=f"circle {k}", radius_m=20.0, dwell_minutes=1)
            fence.geometry = {"type": "Point", "coordinates": [lon, lat]}
        else:
            fence = Geofence(tenant=tenant, name=f"square {k}")
            fence.geometry = _square(lon, lat, 0.0002, 0.0002, 0.0002, 0.0002)
        made.append(fence)
    Geofence.objects.bulk_create(made)
    for fence, members in territories:
        fence.agents.set(members)
    forget_fences(tenant.pk)
