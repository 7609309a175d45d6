"""Events of visits (topic ``visits``): to everyone who sees all visits, and to the visit's agent."""

from __future__ import annotations

from typing import TypedDict

from core.roles import roles_with
from realtime.events import event_type

MANAGERS = roles_with("visits.view_all")


class VisitChanged(TypedDict):
    visit_id: int
    agent_id: int
    client_id: int
    client_name: str
    state: str  # planned, in_progress, completed, cancelled
    planned_at: str
    checkin_at: str | None
    checkin_verification: str  # verified, out_of_range, unverifiable, or "" before check-in
    checkin_distance_m: float | None
    checkout_at: str | None
    checkout_verification: str
    checkout_distance_m: float | None
    status_id: int | None  # the tenant's outcome label (visit_status reference)


DESCRIPTIONS = {
    "visit.planned": "A visit was planned (or its plan changed).",
    "visit.checked_in": "The agent checked in; see checkin_verification for the GPS check.",
    "visit.checked_out": "The agent checked out.",
    "visit.cancelled": "The visit was cancelled.",
}
TYPES = {
    name: event_type(name, topic="visits", payload=VisitChanged, description=text)
    for name, text in DESCRIPTIONS.items()
}
