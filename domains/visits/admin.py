"""Visits in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.visits.models import Visit, VisitStep

register_rows(VisitStep, Visit)
