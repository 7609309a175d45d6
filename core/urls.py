from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from core import health
from core.views.auth import LoginView, LogoutView, MeView, RefreshView
from core.views.docs import SchemaView, SwaggerView
from core.views.tenant import MemberViewSet, RolesView, TenantView
from realtime.views import RealtimeStatusView, TicketView, metrics

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="member")

api = [
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
    path("tenant/", TenantView.as_view(), name="tenant"),
    path("roles/", RolesView.as_view(), name="roles"),
    path("realtime/tickets/", TicketView.as_view(), name="realtime-ticket"),
    path("realtime/status/", RealtimeStatusView.as_view(), name="realtime-status"),
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
