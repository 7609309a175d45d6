"""The 1C integration's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.onec.views import ConnectionTestView, ConnectionView, DocumentViewSet, ExchangeRunView, ExchangeViewSet

router = SimpleRouter(trailing_slash=True)
router.register("onec/exchanges", ExchangeViewSet, basename="onec-exchange")
router.register("onec/documents", DocumentViewSet, basename="onec-document")

urlpatterns = [
    path("onec/connection/", ConnectionView.as_view(), name="onec-connection"),
    path("onec/connection/test/", ConnectionTestView.as_view(), name="onec-connection-test"),
    path("onec/connection/exchange/", ExchangeRunView.as_view(), name="onec-exchange-run"),
    *router.urls,
]
