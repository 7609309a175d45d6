"""Geofencing's door: the time an agent spent outside their territories in working hours (for the
day's report), as a number."""

from __future__ import annotations

from domains.geofencing.selectors import outside_territory_seconds

__all__ = ["outside_territory_seconds"]
