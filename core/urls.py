"""The root URLconf. Each domain owns its routes in ``domains/<name>/urls.py``; they are found
through the installed apps, so core never imports a layer above it (docs/architecture.md).

Only this project's apps are mounted: libraries ship ``urls`` modules too (django.contrib.auth's
password-reset and login pages, DRF's browsable-API login), which Oqim does not serve.

The API's routes are grouped by their first path segment (``api/<segment>/…``):
Django tries routes in turn and, for each that fails, copies the list of what it tried (for its
debug 404 page). With every app mounted at ``api/`` a tracker's path was tried against 116 routes
that way, 9 % of its request's CPU (docs/benchmarks.md); now against 25.
"""

import copy
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.i18n import set_language

from core import health
from core.discovery import import_app_modules
from core.views.auth import LoginView, LogoutView, MeView, RefreshView
from core.views.docs import SchemaView, SwaggerView

# Mounted below at their own places; every other app's ``urls`` is mounted under /api/.
MOUNTED = {"core.urls", "core.console.urls", "realtime.urls"}

Route = URLPattern | URLResolver


def _own(module: ModuleType) -> bool:
    """An app of this project's: its file lies in one of the project's own top-level packages
    (not resolving links, so a library linked into the virtualenv stays a library)."""
    top = module.__name__.partition(".")[0]
    return Path(str(module.__file__)).absolute().is_relative_to(Path(settings.BASE_DIR) / top)


def _split(route: Route) -> tuple[str | None, Route]:
    """The route's literal first segment and the route without it; (None, route) if it has none."""
    pattern, text = route.pattern, str(route.pattern)
    endpoint = bool(getattr(pattern, "_is_endpoint", False))
    rest: RoutePattern | RegexPattern
    if isinstance(pattern, RoutePattern) and (found := re.match(r"([\w-]+)/", text)):
        rest = RoutePattern(text[found.end() :], name=pattern.name, is_endpoint=endpoint)
    elif isinstance(pattern, RegexPattern) and "|" not in text and (found := re.match(r"\^([\w-]+)/(?![?*+{])", text)):
        rest = RegexPattern("^" + text[found.end() :], name=pattern.name, is_endpoint=endpoint)
    else:
        return None, route
    route = copy.copy(route)
    route.pattern = rest
    return found.group(1), route


def by_first_segment(routes: Iterable[Route]) -> list[Route]:
    """``routes`` mounted per first segment, each segment's in their own order: a path has one
    first segment, so among these no route can shadow another's. Routes without a literal first
    segment (none today: a namespaced app, a route starting with a converter) are tried after
    all of those, in their order, which could only change which of two overlapping routes wins."""
    segments: dict[str, list[Route]] = {}
    others: list[Route] = []
    for route in routes:
        segment, rest = _split(route)
        if segment is None:
            others.append(route)
        else:
            segments.setdefault(segment, []).append(rest)
    return [*(path(f"{segment}/", include(found)) for segment, found in segments.items()), *others]


def _app_routes() -> list[Route]:
    """The apps' routes, each app's own list spread out; an app with a namespace (``app_name``)
    stays whole, so its names keep it."""
    routes: list[Route] = []
    for module in import_app_modules("urls"):
        if module.__name__ in MOUNTED or not _own(module):
            continue
        if getattr(module, "app_name", None):
            routes.append(path("", include(module)))
        else:
            routes += module.urlpatterns
    return routes


api: list[Route] = by_first_segment(
    [
        path("auth/login/", LoginView.as_view(), name="auth-login"),
        path("auth/refresh/", RefreshView.as_view(), name="auth-refresh"),
        path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
        path("me/", MeView.as_view(), name="me"),
        path("schema/", SchemaView.as_view(), name="schema"),
        path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
        *_app_routes(),
    ]
)

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
