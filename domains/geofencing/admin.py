"""Geofencing in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.geofencing.models import Geofence

register_rows(Geofence)
