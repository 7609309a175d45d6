"""Alarms' door: other apps declare the kinds of alarm they raise (in their own ``alarms``
module), raise and clear them; people acknowledge them over REST."""

from __future__ import annotations

from domains.alarms.kinds import AlarmKind, alarm_kind
from domains.alarms.services import clear_alarms, raise_alarm

__all__ = ["AlarmKind", "alarm_kind", "clear_alarms", "raise_alarm"]
