"""Locations' door: distances on the earth, the tenant's field settings (check-in radius), and
an agent's day of movement (for the daily report)."""

from __future__ import annotations

from domains.locations.geo import distance_m
from domains.locations.models import FieldSettings
from domains.locations.rules import field_settings
from domains.locations.selectors import day_movement
from domains.locations.serializers import AgentDayOutput, DayInput

__all__ = ["AgentDayOutput", "DayInput", "FieldSettings", "day_movement", "distance_m", "field_settings"]
