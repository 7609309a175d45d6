"""Reads of the breadcrumbs: every agent's current state, tracks, per-day distances."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import CharField, Func, Q, QuerySet
from django.utils import timezone

from core.models import Membership, Organization
from core.roles import Role, has_capability
from core.timezones import iso_z, start_of_day
from domains.clients.api import Client
from domains.locations.fence_cache import territories_index
from domains.locations.geo import distances_m, path_length_m, simplify
from domains.locations.models import FIX_FIELDS, AgentState, Device, FieldSettings, Geofence, LocationPoint
from domains.locations.rules import field_settings, presence_of
from domains.locations.trips import Point, Stop, stops_and_trips

MAX_TRACK_DAYS = 7
MAX_DISTANCE_DAYS = 31


def agent_memberships(*, tenant: Organization):  # type: ignore[no-untyped-def]
    """Members who are field agents, or who have reported a position here."""
    reporting = AgentState.objects.filter(tenant=tenant).values("agent_id")
    return (
        Membership.objects.filter(tenant=tenant)
        .filter(Q(role=Role.AGENT) | Q(user_id__in=reporting))
        .select_related("user")
        .only("user_id", "role", "tenant_id", "user__username", "user__first_name", "user__last_name")
        .order_by("user_id")
    )


# Only what the agent list shows: every extra timestamp column is a parse per agent.
ROW_COLUMNS = (
    "agent_id",
    *FIX_FIELDS,
    "last_fix_at",
    "last_seen_at",
    "points_accepted",
    "points_filtered",
)


def agent_rows(*, tenant_id: int, memberships: list[Membership], now: datetime | None = None) -> list[dict[str, Any]]:
    """The dashboard's agent list: presence (as of now), last seen, current position, audit."""
    now = now or timezone.now()
    rules: FieldSettings = field_settings([tenant_id])[tenant_id]
    found = AgentState.objects.filter(tenant_id=tenant_id, agent_id__in=[m.user_id for m in memberships])
    states = {s.agent_id: s for s in found.only(*ROW_COLUMNS)}
    rows = []
    for member in memberships:
        state = states.get(member.user_id) or AgentState(tenant_id=tenant_id, agent_id=member.user_id)
        user = member.user
        rows.append(
            {
                "id": member.user_id,
                "username": user.username,
                "name": user.get_full_name() or user.username,
                "role": member.role,
                "presence": presence_of(state, rules, now),
                "last_fix_at": iso_z(state.last_fix_at),
                "last_seen_at": iso_z(max(filter(None, [state.last_fix_at, state.last_seen_at]), default=None)),
                "position": None if state.recorded_at is None else state.last_fix(),
                "points_accepted": state.points_accepted,
                "points_filtered": state.points_filtered,
            }
        )
    return rows


def agents_snapshot(*, tenant_id: int) -> list[dict[str, Any]]:
    memberships = list(agent_memberships(tenant=Organization(pk=tenant_id)))
    return agent_rows(tenant_id=tenant_id, memberships=memberships)


class IsoUtc(Func):
    """A timestamp as ISO 8601 text in UTC, formatted by the database: a day's track is
    thousands of rows, and parsing each timestamp into a datetime only to print it again
    would cost more than the query."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
        return self.as_sql(compiler, connection, template="replace(%(expressions)s, ' ', 'T') || 'Z'", **extra)


def _stamp(text: str) -> str:
    return text.replace(".000000Z", "Z")


TRACK_FIELDS = ("stamp", "lat", "lon", "accuracy", "speed", "heading", "battery")


def track(
    *,
    tenant_id: int,
    agent_id: int,
    since: datetime,
    until: datetime,
    tolerance_m: float | None = None,
    include_filtered: bool = False,
) -> dict[str, Any]:
    """An agent's points in [since, until), in device-time order. ``tolerance_m`` simplifies the
    line (Douglas-Peucker) for a map; ``include_filtered`` adds the filtered points, flagged, for
    the audit (never simplified)."""
    points = LocationPoint.objects.filter(
        tenant_id=tenant_id, agent_id=agent_id, recorded_at__gte=since, recorded_at__lt=until
    ).order_by("recorded_at", "client_id")
    if not include_filtered:
        points = points.filter(filtered="")
    columns = [*TRACK_FIELDS, "filtered", "received"] if include_filtered else list(TRACK_FIELDS)
    points = points.annotate(stamp=IsoUtc("recorded_at"))
    if include_filtered:
        points = points.annotate(received=IsoUtc("received_at"))
    rows = list(points.values_list(*columns))
    length = path_length_m([(r[1], r[2]) for r in rows if not include_filtered or not r[7]])
    total = len(rows)
    if tolerance_m and not include_filtered:
        rows = [rows[i] for i in simplify([(r[1], r[2]) for r in rows], tolerance_m)]
    out = []
    for row in rows:
        point = dict(zip(TRACK_FIELDS, row, strict=False))
        point["recorded_at"] = _stamp(point.pop("stamp"))
        if include_filtered:
            point["filtered"] = row[7] or None
            point["received_at"] = _stamp(row[8])
        out.append(point)
    return {
        "agent_id": agent_id,
        "from": iso_z(since),
        "to": iso_z(until),
        "count": total,
        "returned": len(rows),
        "distance_m": round(length, 1),
        "points": out,
    }


def daily_distance(*, tenant: Organization, agent_id: int, first: date, last: date) -> list[dict[str, Any]]:
    """Distance travelled per day of the organization's calendar, from accepted points."""
    zone = ZoneInfo(tenant.timezone)
    since = datetime.combine(first, datetime.min.time(), zone)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    rows = (
        LocationPoint.objects.filter(
            tenant_id=tenant.pk, agent_id=agent_id, recorded_at__gte=since, recorded_at__lt=until, filtered=""
        )
        .order_by("recorded_at")
        .values_list("recorded_at", "lat", "lon")
    )
    days: dict[date, list] = defaultdict(list)
    for recorded_at, lat, lon in rows.iterator(chunk_size=5000):
        days[recorded_at.astimezone(zone).date()].append((recorded_at, lat, lon))
    out = []
    day = first
    while day <= last:
        fixes = days.get(day, [])
        meters = path_length_m([(lat, lon) for _at, lat, lon in fixes])
        out.append(
            {
                "day": day.isoformat(),
                "distance_m": round(meters, 1),
                "points": len(fixes),
                "first_at": iso_z(fixes[0][0]) if fixes else None,
                "last_at": iso_z(fixes[-1][0]) if fixes else None,
            }
        )
        day += timedelta(days=1)
    return out


def device_list(*, membership: Membership) -> QuerySet[Device]:
    """Every device of the organization for ``devices.manage``; one's own otherwise."""
    devices = Device.objects.filter(tenant_id=membership.tenant_id)
    return devices if has_capability(membership.role, "devices.manage") else devices.filter(agent_id=membership.user_id)


def geofence_list(*, tenant: Organization) -> QuerySet[Geofence]:
    return Geofence.objects.filter(tenant=tenant).prefetch_related("agents")


def reporting_agents(*, tenant_id: int, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are live members here who send fixes."""
    members = Membership.objects.alive().filter(tenant_id=tenant_id, user_id__in=user_ids)
    return {m.user_id for m in members if has_capability(m.role, "locations.report")}


def _nearest_clients(tenant: Organization, stops: list[Stop], within_m: float) -> list[dict[str, Any] | None]:
    """Each stop's nearest located client within ``within_m``, or None."""
    if not stops:
        return []
    margin = within_m / 111_320 * 2
    lats, lons = [s.lat for s in stops], [s.lon for s in stops]
    near = list(
        Client.objects.filter(
            tenant=tenant,
            lat__gte=min(lats) - margin,
            lat__lte=max(lats) + margin,
            lon__gte=min(lons) - margin * 2,
            lon__lte=max(lons) + margin * 2,
        ).values_list("pk", "name", "lat", "lon")
    )
    if not near:
        return [None] * len(stops)
    # Every stop against every candidate at once (a city's clients: thousands).
    ids, names = [n[0] for n in near], [n[1] for n in near]
    distances = distances_m(
        np.array([(s.lat, s.lon) for s in stops], dtype=float), np.array([(n[2], n[3]) for n in near], dtype=float)
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


OUTSIDE_GAP_SECONDS = 600.0


def _outside_seconds(tenant: Organization, agent_id: int, points: list[Point], rules: FieldSettings) -> float:
    """Time in working hours outside every territory of the agent's (none: 0); a silence counts
    for at most ``OUTSIDE_GAP_SECONDS``."""
    index = territories_index(tenant, agent_id)
    territories = index.territories_of(agent_id)
    if not territories or len(points) < 2:
        return 0.0
    keys = {t.key for t in territories}
    held = index.holding(((p.lat, p.lon) for p in points), agent_id)
    total = 0.0
    for (point, inside), following in zip(zip(points, held, strict=True), points[1:], strict=False):
        working = any(t.hours.covers(point.at, index.zone) for t in territories)
        if working and not inside & keys:
            total += min((following.at - point.at).total_seconds(), OUTSIDE_GAP_SECONDS)
    return total


def day_movement(*, tenant: Organization, agent_id: int, day: date) -> dict[str, Any]:
    """An agent's trips and stops on a day of the organization's calendar (trips.py), each stop
    with its nearest client, and the day's totals."""
    since, until = start_of_day(tenant, day), start_of_day(tenant, day + timedelta(days=1))
    rows = (
        LocationPoint.objects.filter(
            tenant_id=tenant.pk, agent_id=agent_id, recorded_at__gte=since, recorded_at__lt=until, filtered=""
        )
        .order_by("recorded_at", "client_id")
        .values_list("recorded_at", "lat", "lon", "speed")
    )
    points = [Point(at, lat, lon, speed) for at, lat, lon, speed in rows.iterator(chunk_size=5000)]
    stops, trips = stops_and_trips(points)
    rules = field_settings([tenant.pk])[tenant.pk]
    clients = _nearest_clients(tenant, stops, float(rules.checkin_radius_m))
    return {
        "agent_id": agent_id,
        "day": day.isoformat(),
        "points": len(points),
        "distance_m": round(path_length_m([(p.lat, p.lon) for p in points]), 1),
        "moving_seconds": round(sum(t.seconds for t in trips), 1),
        "stopped_seconds": round(sum(s.seconds for s in stops), 1),
        "at_clients_seconds": round(sum(s.seconds for s, c in zip(stops, clients, strict=True) if c), 1),
        "outside_territory_seconds": round(_outside_seconds(tenant, agent_id, points, rules), 1),
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
