"""Visits' door: the visit rows other domains point at (an order taken at a visit), whether a
member may take an order at a visit, and a finished visit as a report (sent to 1C)."""

from __future__ import annotations

from domains.visits.models import Visit
from domains.visits.selectors import VisitReport, open_visit, visit_report

__all__ = ["Visit", "VisitReport", "open_visit", "visit_report"]
