"""Tracking in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.tracking.models import AgentState, Device, FieldSettings

register_rows(FieldSettings, AgentState, Device)
