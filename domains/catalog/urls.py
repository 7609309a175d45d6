"""The catalog API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.catalog.views import (
    FieldOrderViewSet,
    GroupViewSet,
    PriceTypeViewSet,
    ProductImageViewSet,
    ProductViewSet,
    WarehouseViewSet,
)

router = SimpleRouter(trailing_slash=True)
router.register("catalog/products", ProductViewSet, basename="catalog-product")
router.register("catalog/images", ProductImageViewSet, basename="catalog-image")
router.register("catalog/groups", GroupViewSet, basename="catalog-group")
router.register("catalog/price-types", PriceTypeViewSet, basename="catalog-price-type")
router.register("catalog/warehouses", WarehouseViewSet, basename="catalog-warehouse")
router.register("field-orders", FieldOrderViewSet, basename="field-order")

urlpatterns = router.urls
