"""Tracking's routes, mounted under /api/ by core.urls: the points, agents, devices and field
settings under their historical /api/locations/ (and /api/field-settings/, /api/trackers/)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.tracking.views import (
    AgentViewSet,
    DeviceViewSet,
    FieldSettingsView,
    OsmandView,
    OwntracksView,
    PointUploadView,
)

router = SimpleRouter(trailing_slash=True)
router.register("locations/agents", AgentViewSet, basename="agent")
router.register("locations/devices", DeviceViewSet, basename="device")

urlpatterns = [
    path("locations/points/", PointUploadView.as_view(), name="location-points"),
    path("field-settings/", FieldSettingsView.as_view(), name="field-settings"),
    path("trackers/osmand/", OsmandView.as_view(), name="tracker-osmand"),
    path("trackers/owntracks/", OwntracksView.as_view(), name="tracker-owntracks"),
    *router.urls,
]
