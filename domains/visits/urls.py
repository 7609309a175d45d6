"""The visits API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.visits.views import StepViewSet, VisitPhotoViewSet, VisitViewSet

router = SimpleRouter(trailing_slash=True)
router.register("visits/steps", StepViewSet, basename="visit-step")
router.register("visits/photos", VisitPhotoViewSet, basename="visit-photo")
router.register("visits", VisitViewSet, basename="visit")

urlpatterns = router.urls
