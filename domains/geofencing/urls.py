"""Geofencing's routes, mounted under /api/ by core.urls (beside tracking's, under /api/locations/)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.geofencing.views import GeofenceViewSet

router = SimpleRouter(trailing_slash=True)
router.register("locations/geofences", GeofenceViewSet, basename="geofence")

urlpatterns = router.urls
