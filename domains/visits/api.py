"""Visits' door: the visit rows other domains point at (an order taken at a visit), and a
finished visit as a report reads it (sent to 1C)."""

from __future__ import annotations

from domains.visits.models import Visit, VisitState
from domains.visits.selectors import finished_visit

__all__ = ["Visit", "VisitState", "finished_visit"]
