"""The shops API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.shops.views import (
    BranchViewSet,
    ExpenseCategoryViewSet,
    ExpenseViewSet,
    LowStockView,
    SaleViewSet,
    StoreViewSet,
    SummaryView,
    TopProductsView,
)

router = SimpleRouter(trailing_slash=True)
router.register("shops/stores", StoreViewSet, basename="store")
router.register("shops/branches", BranchViewSet, basename="branch")
router.register("shops/sales", SaleViewSet, basename="sale")
router.register("shops/expenses", ExpenseViewSet, basename="expense")
router.register("shops/expense-categories", ExpenseCategoryViewSet, basename="expense-category")

urlpatterns = [
    path("shops/reports/summary/", SummaryView.as_view(), name="shops-report-summary"),
    path("shops/reports/top-products/", TopProductsView.as_view(), name="shops-report-top-products"),
    path("shops/reports/low-stock/", LowStockView.as_view(), name="shops-report-low-stock"),
    *router.urls,
]
