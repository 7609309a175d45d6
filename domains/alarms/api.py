"""Alarms' door: other domains raise alarms of a kind; people acknowledge them over REST."""

from __future__ import annotations

from domains.alarms.models import AlarmKind
from domains.alarms.services import clear_alarms, raise_alarm

__all__ = ["AlarmKind", "clear_alarms", "raise_alarm"]
