"""Reads of the breadcrumbs: every agent's current state, tracks, per-day distances, and the
plain data other domains read through the door (accepted points, check-in rules, who reports)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import CharField, Func, Q, QuerySet
from django.utils import timezone

from core.models import Membership, Organization
from core.roles import Role, has_capability
from core.timezones import iso_z
from domains.tracking.geo import path_length_m, simplify
from domains.tracking.models import FIX_FIELDS, AgentState, Device, FieldSettings, LocationPoint
from domains.tracking.settings_cache import field_settings

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
                "name": user.display_name,
                "role": member.role,
                "presence": state.presence_at(rules, now),
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


@dataclass(frozen=True, slots=True)
class CheckinRules:
    """What a check-in's fix is verified against: the distance from the client it may lie within,
    and the accuracy past which it proves nothing (the accuracy filter's; None: off)."""

    radius_m: int
    accuracy_m: int | None


def checkin_rules(*, tenant_id: int) -> CheckinRules:
    """The organization's check-in rules, from its field settings (the defaults if never set)."""
    rules = field_settings([tenant_id])[tenant_id]
    return CheckinRules(radius_m=rules.checkin_radius_m, accuracy_m=rules.filter_accuracy_m)


def reporting_agents(*, tenant_id: int, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are live members here who send fixes."""
    members = Membership.objects.alive().filter(tenant_id=tenant_id, user_id__in=user_ids)
    return {m.user_id for m in members if has_capability(m.role, "locations.report")}


def is_field_agent(*, tenant_id: int, user_id: int) -> bool:
    """Whether the user is one of the organization's agents as the agent list shows them."""
    return agent_memberships(tenant=Organization(pk=tenant_id)).filter(user_id=user_id).exists()


def accepted_points(
    *, tenant_id: int, agent_id: int, since: datetime, until: datetime
) -> list[tuple[datetime, float, float, float | None]]:
    """The agent's accepted points in [since, until) as (recorded_at, lat, lon, speed), in
    device-time order: a day's thousands of rows, read in chunks."""
    rows = (
        LocationPoint.objects.filter(
            tenant_id=tenant_id, agent_id=agent_id, recorded_at__gte=since, recorded_at__lt=until, filtered=""
        )
        .order_by("recorded_at", "client_id")
        .values_list("recorded_at", "lat", "lon", "speed")
    )
    return list(rows.iterator(chunk_size=5000))
