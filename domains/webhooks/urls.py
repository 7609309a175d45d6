"""The webhooks API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.webhooks.views import DeliveryViewSet, EndpointViewSet, EventTypeView

router = SimpleRouter(trailing_slash=True)
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")

urlpatterns = [path("webhooks/event-types/", EventTypeView.as_view(), name="webhook-event-types"), *router.urls]
