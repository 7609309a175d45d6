"""Trips' route, mounted under /api/ by core.urls: /api/locations/agents/{id}/trips/ (tracking's
router holds the agents' other routes)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.trips.views import AgentTripsViewSet

router = SimpleRouter(trailing_slash=True)
router.register("locations/agents", AgentTripsViewSet, basename="agent")

urlpatterns = router.urls
