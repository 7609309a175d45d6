"""The ``alarms`` topic (admins and managers) and the events of every alarm's life after it is
raised. Each kind's own ``alarm.<kind>`` event is declared with the kind, by the app that raises
it (``domains.alarms.kinds``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from domains.alarms.kinds import label_of
from realtime.events import event_type
from realtime.topics import topic

ALARMS_TOPIC = topic("alarms", capabilities=("alarms.view",), description="Variance and operational alarms")


class AlarmCleared(TypedDict):
    alarm_id: int
    kind: str
    subject: str


class AlarmAcknowledged(TypedDict):
    alarm_id: int
    kind: str
    subject: str
    acknowledged_by: int
    note: str


def _cleared(data: Mapping[str, Any]) -> str:
    return _("Cleared: the %(kind)s alarm (%(subject)s) is over.") % {
        "kind": label_of(str(data["kind"])),
        "subject": data["subject"],
    }


CLEARED = event_type(
    "alarm.cleared",
    title=gettext_lazy("Alarm cleared"),
    topic="alarms",
    payload=AlarmCleared,
    description="What the alarm was about is over (the 1C exchange works again, the agent is back in their territory).",
    message=_cleared,
)
ACKNOWLEDGED = event_type(
    "alarm.acknowledged",
    title=gettext_lazy("Alarm acknowledged"),
    topic="alarms",
    payload=AlarmAcknowledged,
    description="A manager acknowledged an alarm.",
    message=lambda data: (
        _("%(who)s acknowledged the %(kind)s alarm (%(subject)s).")
        % {
            "who": words.person(data["acknowledged_by"]),
            "kind": label_of(str(data["kind"])),
            "subject": data["subject"],
        }
        + (f" {data['note']}" if data["note"] else "")
    ),
)
