"""Events of visits (topic ``visits``): to everyone who sees all visits, and to the visit's agent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from core.roles import roles_with
from realtime.events import event_type
from realtime.topics import topic

VISITS_TOPIC = topic(
    "visits", capabilities=("visits.view_all", "visits.own"), description="Agents' visits; agents see only their own"
)

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
TITLES = {
    "visit.planned": gettext_lazy("Visit planned"),
    "visit.checked_in": gettext_lazy("Agent arrived at a visit"),
    "visit.checked_out": gettext_lazy("Visit finished"),
    "visit.cancelled": gettext_lazy("Visit cancelled"),
}
SENTENCES = {
    "visit.planned": lambda: _("%(who)s has a visit to %(client)s planned for %(at)s."),
    "visit.checked_in": lambda: _("%(who)s checked in at %(client)s."),
    "visit.checked_out": lambda: _("%(who)s finished the visit to %(client)s."),
    "visit.cancelled": lambda: _("The visit of %(who)s to %(client)s was cancelled."),
}


def _sentence(name: str) -> Callable[[Mapping[str, Any]], str]:
    def say(data: Mapping[str, Any]) -> str:
        at = localtime(parse_datetime(data["planned_at"])).strftime("%d.%m %H:%M") if data["planned_at"] else "—"
        return SENTENCES[name]() % {"who": words.person(data["agent_id"]), "client": data["client_name"], "at": at}

    return say


TYPES = {
    name: event_type(
        name, topic="visits", payload=VisitChanged, description=text, message=_sentence(name), title=TITLES[name]
    )
    for name, text in DESCRIPTIONS.items()
}
