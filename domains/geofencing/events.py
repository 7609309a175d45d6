"""Geofences crossed: on the field agents' topic (``agents.locations``, tracking's), beside the
positions they were judged from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from realtime.events import event_type


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


def _crossing(data: Mapping[str, Any]) -> dict[str, str]:
    minutes = round((data["seconds_inside"] or 0) / 60)
    return {"who": words.person(data["agent_id"]), "place": data["name"], "minutes": words.number(minutes)}


GEOFENCE_ENTERED = event_type(
    "geofence.entered",
    title=gettext_lazy("Entered a zone"),
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent's fix is inside a geofence (or a client's zone) their previous fix was outside.",
    message=lambda data: _("%(who)s entered %(place)s.") % _crossing(data),
)
GEOFENCE_EXITED = event_type(
    "geofence.exited",
    title=gettext_lazy("Left a zone"),
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent's fix is outside a geofence (or a client's zone) their previous fix was inside.",
    message=lambda data: _("%(who)s left %(place)s.") % _crossing(data),
)
GEOFENCE_DWELL = event_type(
    "geofence.dwell",
    title=gettext_lazy("Stayed in a zone"),
    topic="agents.locations",
    payload=GeofenceCrossed,
    description="An agent has been inside a geofence for its dwell_minutes (once per stay).",
    message=lambda data: _("%(who)s has been at %(place)s for %(minutes)s min.") % _crossing(data),
)
