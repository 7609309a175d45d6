"""The kitchen API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.kitchen.views import (
    ConsumptionSeriesView,
    MealViewSet,
    PortionsView,
    ReportViewSet,
    ServingsSeriesView,
    ServingViewSet,
    SettingsView,
)

router = SimpleRouter(trailing_slash=True)
router.register("kitchen/meals", MealViewSet, basename="meal")
router.register("kitchen/servings", ServingViewSet, basename="serving")
router.register("kitchen/reports", ReportViewSet, basename="variance-report")

urlpatterns = [
    path("kitchen/portions/", PortionsView.as_view(), name="kitchen-portions"),
    path("kitchen/settings/", SettingsView.as_view(), name="kitchen-settings"),
    path("kitchen/charts/consumption/", ConsumptionSeriesView.as_view(), name="chart-consumption"),
    path("kitchen/charts/servings/", ServingsSeriesView.as_view(), name="chart-servings"),
    *router.urls,
]
