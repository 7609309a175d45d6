"""The organization's geofences: territories and zones. (Clients' zones are not rows: every
located client is one, for its assigned agents; fence_cache.py.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import SoftDeletable, TenantOwned


class GeofenceKind(models.TextChoices):
    TERRITORY = "territory", "Territory (an agent outside it in working hours raises an alarm)"
    ZONE = "zone", "Zone (entering, leaving and dwelling are events)"


class Geofence(TenantOwned, SoftDeletable):
    """A territory or zone: a polygon, or a circle (a point with ``radius_m``), in GeoJSON."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=GeofenceKind.choices, default=GeofenceKind.ZONE)
    geometry = models.JSONField(help_text="GeoJSON Polygon, MultiPolygon, or Point (with radius_m), [lon, lat].")
    radius_m = models.FloatField(null=True, blank=True)
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    everyone = models.BooleanField(default=True, help_text="For every agent; else for ``agents`` only.")
    days = models.JSONField(default=list, help_text="Working days, 0 = Monday; [] is every day.")
    start_time = models.TimeField(null=True, blank=True, help_text="Working hours, in the organization's zone.")
    end_time = models.TimeField(null=True, blank=True)
    dwell_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="geofence.dwell after this long.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "locations_geofence"  # the table as the former locations app made it (and its agents' table)
        ordering = ["name", "id"]
