"""Reads of an agent's day of movement: trips and stops from the accepted points (tracking's),
each stop with its nearest client (clients'), and the time outside territories (geofencing's)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from core.models import Organization
from core.timezones import iso_z, start_of_day
from domains.clients.api import client_places_within
from domains.geofencing.api import outside_territory_seconds
from domains.tracking.api import accepted_points, checkin_rules, distances_m, path_length_m
from domains.trips.detection import Point, Stop, stops_and_trips


def _nearest_clients(tenant: Organization, stops: list[Stop], within_m: float) -> list[dict[str, Any] | None]:
    """Each stop's nearest located client within ``within_m``, or None."""
    if not stops:
        return []
    margin = within_m / 111_320 * 2
    lats, lons = [s.lat for s in stops], [s.lon for s in stops]
    near = client_places_within(
        tenant_id=tenant.pk,
        south=min(lats) - margin,
        north=max(lats) + margin,
        west=min(lons) - margin * 2,
        east=max(lons) + margin * 2,
    )
    if not near:
        return [None] * len(stops)
    # Every stop against every candidate at once (a city's clients: thousands).
    ids, names = [n.id for n in near], [n.name for n in near]
    distances = distances_m(
        np.array([(s.lat, s.lon) for s in stops], dtype=float), np.array([(n.lat, n.lon) for n in near], dtype=float)
    )
    found: list[dict[str, Any] | None] = []
    for row in distances:
        best = int(row.argmin())
        found.append(
            {"id": ids[best], "name": names[best], "distance_m": round(float(row[best]), 1)}
            if row[best] <= within_m
            else None
        )
    return found


def day_movement(*, tenant: Organization, agent_id: int, day: date) -> dict[str, Any]:
    """An agent's trips and stops on a day of the organization's calendar (detection.py), each stop
    with its nearest client, and the day's totals."""
    since, until = start_of_day(tenant, day), start_of_day(tenant, day + timedelta(days=1))
    rows = accepted_points(tenant_id=tenant.pk, agent_id=agent_id, since=since, until=until)
    points = [Point(at, lat, lon, speed) for at, lat, lon, speed in rows]
    stops, trips = stops_and_trips(points)
    clients = _nearest_clients(tenant, stops, float(checkin_rules(tenant_id=tenant.pk).radius_m))
    outside = outside_territory_seconds(tenant=tenant, agent_id=agent_id, points=[(p.at, p.lat, p.lon) for p in points])
    return {
        "agent_id": agent_id,
        "day": day.isoformat(),
        "points": len(points),
        "distance_m": round(path_length_m([(p.lat, p.lon) for p in points]), 1),
        "moving_seconds": round(sum(t.seconds for t in trips), 1),
        "stopped_seconds": round(sum(s.seconds for s in stops), 1),
        "at_clients_seconds": round(sum(s.seconds for s, c in zip(stops, clients, strict=True) if c), 1),
        "outside_territory_seconds": round(outside, 1),
        "trips": [
            {
                "started_at": iso_z(t.started_at),
                "ended_at": iso_z(t.ended_at),
                "seconds": t.seconds,
                "distance_m": round(t.distance_m, 1),
                "max_speed": round(t.max_speed, 2),
                "start": {"lat": t.start[0], "lon": t.start[1]},
                "end": {"lat": t.end[0], "lon": t.end[1]},
                "points": t.points,
            }
            for t in trips
        ],
        "stops": [
            {
                "arrived_at": iso_z(s.arrived_at),
                "departed_at": iso_z(s.departed_at),
                "seconds": s.seconds,
                "lat": round(s.lat, 6),
                "lon": round(s.lon, 6),
                "client": client,
                "points": s.points,
            }
            for s, client in zip(stops, clients, strict=True)
        ],
    }
