"""Geofences: the organization's fences, and judging agents' new fixes against them.

Judging runs inside tracking's ingest transaction (registered with tracking's
``on_accepted_fixes``), on the accepted fixes of each agent in device-time order, from where the
previous judging stopped (``fences_at``, kept on the agent's tracking state). A fix that arrives
late, twice, or in an offline batch older than what was judged is stored but not judged again,
so no crossing is announced twice. Events and the territory alarm commit with the points.

The fences come from ``fence_cache`` (each process's index per organization).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from core.timezones import iso_z
from domains.alarms import api as alarms
from domains.geofencing import events
from domains.geofencing.alarms import OUTSIDE_TERRITORY
from domains.geofencing.fence_cache import fence_index, forget_fences
from domains.geofencing.geometry import Fence, FenceIndex, read_geometry
from domains.geofencing.models import Geofence
from domains.tracking.api import AcceptedFixes, Fix, on_accepted_fixes

OUTSIDE = "!outside"  # the open excursion, kept among the agent's fences


@transaction.atomic
def geofence_save(*, geofence: Geofence, agents: list[int] | None = None) -> Geofence:
    read_geometry(geofence.geometry, geofence.radius_m)  # the serializer checked it; the service insists
    geofence.save()
    if agents is not None:
        geofence.agents.set(agents)
    _changed(geofence.tenant_id)
    return geofence


@transaction.atomic
def geofence_delete(*, geofence: Geofence) -> None:
    geofence.mark_deleted()
    geofence.save(update_fields=["deleted_at", "updated_at"])
    _changed(geofence.tenant_id)


def _changed(tenant_id: int) -> None:
    # Now, for this process's next batch in this transaction; and after commit, for every
    # process (one that rebuilt in between saw the old fences).
    forget_fences(tenant_id)
    transaction.on_commit(lambda: forget_fences(tenant_id))


def _crossing(agent_id: int, fence: Fence, fix: Fix, since: str | None) -> dict[str, Any]:
    seconds = (fix.recorded_at - datetime.fromisoformat(since)).total_seconds() if since else None
    return {
        "agent_id": agent_id,
        "fence": fence.key,
        "geofence_id": int(fence.key[1:]) if fence.key[0] == "f" else None,
        "client_id": int(fence.key[1:]) if fence.key[0] == "c" else None,
        "name": fence.name,
        "kind": fence.kind,
        "recorded_at": iso_z(fix.recorded_at),
        "lat": fix.lat,
        "lon": fix.lon,
        "seconds_inside": seconds,
    }


@on_accepted_fixes
def judge_fences(agents: list[AcceptedFixes]) -> list[dict[str, Any]]:
    """Judge each agent's accepted fixes newer than what was judged. Returns the crossings'
    events (for the caller's ``emit_many``), raises and clears territory alarms in the caller's
    transaction, and leaves the new inside-set on ``agents`` (saved by the caller)."""
    found: list[dict[str, Any]] = []
    indexes: dict[int, FenceIndex] = {}  # one lookup per organization and batch
    for agent in agents:
        tenant_id, agent_id = agent.tenant_id, agent.agent_id
        fresh = sorted((f for f in agent.fixes if agent.fences_at is None or f.recorded_at > agent.fences_at),
                       key=lambda f: f.recorded_at)  # fmt: skip
        if not fresh:
            continue
        if tenant_id not in indexes:
            indexes[tenant_id] = fence_index(tenant_id)
        index = indexes[tenant_id]
        inside: dict[str, Any] = {k: v for k, v in agent.fences.items() if k in index or k == OUTSIDE}
        territories = index.territories_of(agent_id)
        for fix, held in zip(fresh, index.holding(((f.lat, f.lon) for f in fresh), agent_id), strict=True):
            now_in = {key for key in held if index.fence(key).applies_to(agent_id)}
            found += _cross(tenant_id, agent_id, fix, inside, now_in, index)
            _territory(tenant_id, agent_id, fix, inside, now_in, territories, index.zone)
        agent.fences, agent.fences_at = inside, fresh[-1].recorded_at
    return found


def _cross(
    tenant_id: int, agent_id: int, fix: Fix, inside: dict[str, Any], now_in: set[str], index: FenceIndex
) -> list[dict[str, Any]]:
    crossed = []
    for key in [k for k in inside if k != OUTSIDE and k not in now_in]:
        gone = inside.pop(key)
        crossed.append((events.GEOFENCE_EXITED, _crossing(agent_id, index.fence(key), fix, gone["since"])))
    for key in now_in:
        fence = index.fence(key)
        stay = inside.get(key)
        if stay is None:
            inside[key] = {"since": fix.recorded_at.isoformat(), "dwelt": False}
            crossed.append((events.GEOFENCE_ENTERED, _crossing(agent_id, fence, fix, None)))
        elif fence.dwell_minutes and not stay["dwelt"]:
            crossing = _crossing(agent_id, fence, fix, stay["since"])
            if crossing["seconds_inside"] >= fence.dwell_minutes * 60:
                stay["dwelt"] = True
                crossed.append((events.GEOFENCE_DWELL, crossing))
    return [{"tenant_id": tenant_id, "type": kind.name, "data": data} for kind, data in crossed]


def _territory(
    tenant_id: int,
    agent_id: int,
    fix: Fix,
    inside: dict[str, Any],
    now_in: set[str],
    territories: list[Fence],
    zone: ZoneInfo,
) -> None:
    """One alarm per excursion outside every territory of the agent's, in working hours."""
    excursion = inside.get(OUTSIDE)
    if any(t.key in now_in for t in territories):
        if excursion is not None:
            del inside[OUTSIDE]
            alarms.clear_alarms(tenant_id=tenant_id, kind=OUTSIDE_TERRITORY, subject=excursion["subject"])
        return
    working = [t for t in territories if t.hours.covers(fix.recorded_at, zone)]
    if not working or excursion is not None:
        return
    subject = f"agent-{agent_id}-{fix.recorded_at:%Y%m%dT%H%M%S}"
    inside[OUTSIDE] = {"since": fix.recorded_at.isoformat(), "subject": subject}
    names = sorted(t.name for t in working)
    alarms.raise_alarm(
        tenant_id=tenant_id,
        kind=OUTSIDE_TERRITORY,
        subject=subject,
        details={"agent_id": agent_id, "lat": fix.lat, "lon": fix.lon},
        event={
            "agent_id": agent_id,
            "since": iso_z(fix.recorded_at),
            "lat": fix.lat,
            "lon": fix.lon,
            "territories": names,
        },
    )
