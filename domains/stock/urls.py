"""The stock API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.stock.views import (
    AdjustmentView,
    CategoryViewSet,
    DeliverySeriesView,
    DeliveryViewSet,
    MovementViewSet,
    ProductViewSet,
    TransferViewSet,
)

router = SimpleRouter(trailing_slash=True)
router.register("stock/products", ProductViewSet, basename="product")
router.register("stock/deliveries", DeliveryViewSet, basename="delivery")
router.register("stock/movements", MovementViewSet, basename="movement")
router.register("stock/categories", CategoryViewSet, basename="product-category")
router.register("stock/transfers", TransferViewSet, basename="transfer")

urlpatterns = [
    path("stock/adjustments/", AdjustmentView.as_view(), name="stock-adjustment"),
    path("stock/charts/deliveries/", DeliverySeriesView.as_view(), name="chart-deliveries"),
    *router.urls,
]
