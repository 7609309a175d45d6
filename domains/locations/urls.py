"""The locations API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.locations.views import AgentViewSet, FieldSettingsView, PointUploadView

router = SimpleRouter(trailing_slash=True)
router.register("locations/agents", AgentViewSet, basename="agent")

urlpatterns = [
    path("locations/points/", PointUploadView.as_view(), name="location-points"),
    path("field-settings/", FieldSettingsView.as_view(), name="field-settings"),
    *router.urls,
]
