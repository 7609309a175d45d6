"""Events of the field agents' positions (topic ``agents.locations``): everyone who may watch
agents (``locations.view``) receives them."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class AgentPosition(TypedDict):
    agent_id: int
    # The agent's current position: the newest accepted fix (a backfilled upload of older
    # points leaves it where it was).
    recorded_at: str
    lat: float
    lon: float
    accuracy: float | None
    speed: float | None
    heading: float | None
    battery: int | None
    # Accepted points since the previous event, oldest first, as [recorded_at, lat, lon]: the
    # newest TRAIL_LIMIT of ``points``. Faster fixes than the tenant's live interval are
    # coalesced into one event.
    trail: list
    points: int
    presence: str


class LocationRecorded(TypedDict):
    # One entry per agent whose fixes are announced now, at most 100 (more make more events).
    agents: list[AgentPosition]


class PresenceChanged(TypedDict):
    agent_id: int
    presence: str  # online, idle, offline
    previous: str
    last_fix_at: str | None
    last_seen_at: str | None
    changed_at: str


class GeofenceCrossed(TypedDict):
    agent_id: int
    fence: str  # "f<id>" a geofence, "c<id>" a client's zone
    geofence_id: int | None
    client_id: int | None
    name: str
    kind: str  # territory, zone
    recorded_at: str  # the device time of the fix that crossed
    lat: float
    lon: float
    seconds_inside: float | None  # exited and dwell: since entering


LOCATION_RECORDED = event_type(
    "agent.location_recorded",
    topic="agents.locations",
    payload=LocationRecorded,
    version=2,
    description=(
        "Agents' new fixes were stored; for each agent, the current position and the trail since its previous entry."
    ),
)
PRESENCE_CHANGED = event_type(
    "agent.presence_changed",
    topic="agents.locations",
    payload=PresenceChanged,
    description="An agent went online, idle or offline.",
)
GEOFENCE_ENTERED = event_type(
    "geofence.entered",
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent's fix is inside a geofence (or a client's zone) their previous fix was outside.",
)
GEOFENCE_EXITED = event_type(
    "geofence.exited",
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent's fix is outside a geofence (or a client's zone) their previous fix was inside.",
)
GEOFENCE_DWELL = event_type(
    "geofence.dwell",
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent has been inside a geofence for its dwell_minutes (once per stay).",
)
