"""Trips' door: an agent's day of movement (trips, stops, time at clients and outside their
territory, the day's totals) as plain data, for the daily report."""

from __future__ import annotations

from domains.trips.selectors import day_movement

__all__ = ["day_movement"]
