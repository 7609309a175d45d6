"""The orders API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.orders.views import (
    OrderViewSet,
    PackageViewSet,
    ProductViewSet,
    ProviderViewSet,
    WebhookView,
)

router = SimpleRouter(trailing_slash=True)
# Before "orders": its {id} would otherwise swallow these prefixes.
router.register("orders/providers", ProviderViewSet, basename="order-provider")
router.register("orders/products", ProductViewSet, basename="digital-product")
router.register("orders/packages", PackageViewSet, basename="package")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("orders/webhooks/<uuid:public_id>/", WebhookView.as_view(), name="order-webhook"),
    *router.urls,
]
