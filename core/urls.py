"""The root URLconf. Each domain owns its routes in ``domains/<name>/urls.py``; they are found
through the installed apps, so core never imports a layer above it (docs/architecture.md)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from core import health
from core.discovery import import_app_modules
from core.views.auth import LoginView, LogoutView, MeView, RefreshView
from core.views.docs import SchemaView, SwaggerView

# Mounted below at their own places; every other app's ``urls`` is mounted under /api/.
MOUNTED = {"core.urls", "core.console.urls", "realtime.urls"}

api: list[URLPattern | URLResolver] = [
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    *(path("", include(module)) for module in import_app_modules("urls") if module.__name__ not in MOUNTED),
]

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("", include("realtime.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("core.console.urls")),
]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
