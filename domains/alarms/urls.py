"""The alarms API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.alarms.views import AlarmViewSet

router = SimpleRouter(trailing_slash=True)
router.register("alarms", AlarmViewSet, basename="alarm")

urlpatterns = router.urls
