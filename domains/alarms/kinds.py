"""Alarm kinds: each app declares the alarms it raises in its own ``alarms`` module.

A kind is a registered name (the table holds a plain string, so a new kind needs no migration)
with the payload of its ``alarm.<name>`` event, a label, and the sentence that tells people
about it, in their language: the alarm list, the console and notifications all read it here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from core.discovery import Declarations
from realtime.events import EventType, Message, describe, event_type


@dataclass(frozen=True)
class AlarmKind:
    name: str  # stored in Alarm.kind; the event is ``alarm.<name>``
    label: Promise | str  # what the kind is called, in a list or a filter
    event: EventType
    module: str  # the module that declared it

    def describe(self, facts: Mapping[str, Any]) -> str | None:
        """The alarm's sentence in the active language (None when the facts do not fit it)."""
        return describe(self.event.name, facts)


ALARM_KINDS: Declarations[AlarmKind] = Declarations("alarms")


def alarm_kind(name: str, *, label: Promise | str, payload: type, message: Message, description: str) -> AlarmKind:
    """Declare an alarm kind (at import of an app's ``alarms`` module). ``payload`` is the
    TypedDict of its event, ``alarm_id`` included; ``message`` its sentence (``event_type``)."""
    if name in ALARM_KINDS.own:
        raise ValueError(f"Alarm kind {name!r} is declared twice")
    if len(name) > 40:
        raise ValueError(f"Alarm kind {name!r} is longer than 40 characters")
    module = sys._getframe(1).f_globals.get("__name__", "")
    event = event_type(
        f"alarm.{name}",
        topic="alarms",
        payload=payload,
        description=description,
        message=message,
        module=module,
        title=label,
    )
    ALARM_KINDS.own[name] = kind = AlarmKind(name=name, label=label, event=event, module=module)
    return kind


def label_of(name: str) -> str:
    """A stored kind's label; the name itself for a kind no app declares any more."""
    found = ALARM_KINDS.get(name)
    return str(found.label) if found else name
