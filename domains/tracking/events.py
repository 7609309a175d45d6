"""Events of the field agents' positions and presence (topic ``agents.locations``): everyone who
may watch agents (``locations.view``) receives them. Geofencing's crossings go on the same topic
(domains/geofencing/events.py)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy

from realtime.events import event_type
from realtime.topics import topic

AGENTS_LOCATIONS_TOPIC = topic(
    "agents.locations", capabilities=("locations.view",), description="Field agents' GPS breadcrumbs"
)


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


LOCATION_RECORDED = event_type(
    "agent.location_recorded",
    title=gettext_lazy("Agent's location recorded"),
    topic="agents.locations",
    payload=LocationRecorded,
    version=2,
    description=(
        "Agents' new fixes were stored; for each agent, the current position and the trail since its previous entry."
    ),
)
PRESENCE_CHANGED = event_type(
    "agent.presence_changed",
    title=gettext_lazy("Agent came online or went offline"),
    topic="agents.locations",
    payload=PresenceChanged,
    description="An agent went online, idle or offline.",
)
