"""Locations' door: distances on the earth and the tenant's field settings (check-in radius)."""

from __future__ import annotations

from domains.locations.geo import distance_m
from domains.locations.models import FieldSettings
from domains.locations.rules import field_settings

__all__ = ["FieldSettings", "distance_m", "field_settings"]
