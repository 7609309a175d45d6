"""Visits' door: the visit rows other domains point at (an order taken at a visit)."""

from __future__ import annotations

from domains.visits.models import Visit, VisitState

__all__ = ["Visit", "VisitState"]
