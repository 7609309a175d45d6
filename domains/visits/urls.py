"""The visits API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.visits.views import DayReportView, StepViewSet, VisitPhotoViewSet, VisitViewSet

router = SimpleRouter(trailing_slash=True)
router.register("visits/steps", StepViewSet, basename="visit-step")
router.register("visits/photos", VisitPhotoViewSet, basename="visit-photo")
router.register("visits", VisitViewSet, basename="visit")

# Before the router: "daily-report" would otherwise be taken for a visit's id.
urlpatterns = [path("visits/daily-report/", DayReportView.as_view(), name="visit-daily-report"), *router.urls]
