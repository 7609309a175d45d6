"""The alarm geofencing raises: an agent outside their territory in working hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import User
from domains.alarms.api import alarm_kind


class OutsideTerritoryAlarm(TypedDict):
    alarm_id: int
    agent_id: int
    since: str  # the device time of the first fix outside
    lat: float
    lon: float
    territories: list[str]  # the names of the agent's territories


def _outside(data: Mapping[str, Any]) -> str:
    user = User.objects.filter(pk=data["agent_id"]).only("username", "first_name", "last_name").first()
    agent = user.display_name if user else f"#{data['agent_id']}"
    return _("%(agent)s is outside their territory (%(territories)s).") % {
        "agent": agent,
        "territories": ", ".join(map(str, data["territories"])),
    }


OUTSIDE_TERRITORY = alarm_kind(
    "outside_territory",
    label=gettext_lazy("Outside territory"),
    payload=OutsideTerritoryAlarm,
    message=_outside,
    description="An agent's fix in working hours lies outside every territory of theirs. Sent once per excursion; "
    "cleared (alarm.cleared) by their first fix back inside.",
)
