"""Tracking's door, all plain data: distances on the earth; the organization's check-in rules
(from its field settings); an agent's accepted points and whether someone is an agent or sends
fixes; and the hook through which geofencing judges each batch's accepted fixes (``Fix``,
``AcceptedFixes``, ``on_accepted_fixes``) in the transaction that stores them."""

from __future__ import annotations

from domains.tracking.fixes import Fix
from domains.tracking.geo import distance_m, distances_m, path_length_m
from domains.tracking.hooks import AcceptedFixes, on_accepted_fixes
from domains.tracking.selectors import CheckinRules, accepted_points, checkin_rules, is_field_agent, reporting_agents

__all__ = [
    "AcceptedFixes",
    "CheckinRules",
    "Fix",
    "accepted_points",
    "checkin_rules",
    "distance_m",
    "distances_m",
    "is_field_agent",
    "on_accepted_fixes",
    "path_length_m",
    "reporting_agents",
]
