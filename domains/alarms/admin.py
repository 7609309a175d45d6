"""Alarms in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.alarms.models import Alarm

register_rows(Alarm)
