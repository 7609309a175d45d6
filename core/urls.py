from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from core import health
from core.views.auth import LoginView, LogoutView, MeView, RefreshView
from core.views.docs import SchemaView, SwaggerView
from core.views.tenant import MemberViewSet, RolesView, TenantView
from domains.alarms.views import AlarmViewSet
from domains.clients.views import ClientPhotoViewSet, ClientViewSet, ReferenceViewSet
from domains.kitchen.views import (
    ConsumptionSeriesView,
    MealViewSet,
    PortionsView,
    ReportViewSet,
    ServingsSeriesView,
    ServingViewSet,
    SettingsView,
)
from domains.locations.views import AgentViewSet, FieldSettingsView, PointUploadView
from domains.orders.views import OrderViewSet, PackageViewSet, WebhookView
from domains.orders.views import ProductViewSet as DigitalProductViewSet
from domains.orders.views import ProviderViewSet as OrderProviderViewSet
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
from domains.stock.views import (
    AdjustmentView,
    CategoryViewSet,
    DeliverySeriesView,
    DeliveryViewSet,
    MovementViewSet,
    ProductViewSet,
    TransferViewSet,
)
from domains.visits.views import StepViewSet, VisitPhotoViewSet, VisitViewSet
from realtime.views import RealtimeStatusView, TicketView, metrics

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="member")
router.register("stock/products", ProductViewSet, basename="product")
router.register("stock/deliveries", DeliveryViewSet, basename="delivery")
router.register("stock/movements", MovementViewSet, basename="movement")
router.register("stock/categories", CategoryViewSet, basename="product-category")
router.register("stock/transfers", TransferViewSet, basename="transfer")
router.register("shops/stores", StoreViewSet, basename="store")
router.register("shops/branches", BranchViewSet, basename="branch")
router.register("shops/sales", SaleViewSet, basename="sale")
router.register("shops/expenses", ExpenseViewSet, basename="expense")
router.register("shops/expense-categories", ExpenseCategoryViewSet, basename="expense-category")
router.register("kitchen/meals", MealViewSet, basename="meal")
router.register("kitchen/servings", ServingViewSet, basename="serving")
router.register("kitchen/reports", ReportViewSet, basename="variance-report")
router.register("alarms", AlarmViewSet, basename="alarm")
# Before "orders": its {id} would otherwise swallow these prefixes.
router.register("orders/providers", OrderProviderViewSet, basename="order-provider")
router.register("orders/products", DigitalProductViewSet, basename="digital-product")
router.register("orders/packages", PackageViewSet, basename="package")
router.register("orders", OrderViewSet, basename="order")
router.register("references", ReferenceViewSet, basename="reference")
router.register("clients/photos", ClientPhotoViewSet, basename="client-photo")
router.register("clients", ClientViewSet, basename="client")
router.register("visits/steps", StepViewSet, basename="visit-step")
router.register("visits/photos", VisitPhotoViewSet, basename="visit-photo")
router.register("visits", VisitViewSet, basename="visit")
router.register("locations/agents", AgentViewSet, basename="agent")

api = [
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
    path("tenant/", TenantView.as_view(), name="tenant"),
    path("roles/", RolesView.as_view(), name="roles"),
    path("realtime/tickets/", TicketView.as_view(), name="realtime-ticket"),
    path("realtime/status/", RealtimeStatusView.as_view(), name="realtime-status"),
    path("stock/adjustments/", AdjustmentView.as_view(), name="stock-adjustment"),
    path("stock/charts/deliveries/", DeliverySeriesView.as_view(), name="chart-deliveries"),
    path("kitchen/portions/", PortionsView.as_view(), name="kitchen-portions"),
    path("kitchen/settings/", SettingsView.as_view(), name="kitchen-settings"),
    path("kitchen/charts/consumption/", ConsumptionSeriesView.as_view(), name="chart-consumption"),
    path("kitchen/charts/servings/", ServingsSeriesView.as_view(), name="chart-servings"),
    path("shops/reports/summary/", SummaryView.as_view(), name="shops-report-summary"),
    path("shops/reports/top-products/", TopProductsView.as_view(), name="shops-report-top-products"),
    path("shops/reports/low-stock/", LowStockView.as_view(), name="shops-report-low-stock"),
    path("locations/points/", PointUploadView.as_view(), name="location-points"),
    path("field-settings/", FieldSettingsView.as_view(), name="field-settings"),
    path("orders/webhooks/<uuid:public_id>/", WebhookView.as_view(), name="order-webhook"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    *router.urls,
]

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include(api)),
]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
