"""The console's HTTP side: login, logout, the in-memory access token, and the page shells."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core import auth
from core.console import session
from core.console.pages import PAGES, home_for, pages_for
from core.console.security import console_headers
from core.roles import Role, capabilities_of, has_capability
from core.throttling import LoginAddressThrottle, LoginThrottle


def _login_url(next_path: str | None = None) -> str:
    url = reverse("console-login")
    return f"{url}?next={next_path}" if next_path else url


def _throttled(request: HttpRequest) -> bool:
    # The same limits as POST /api/auth/login/, so the form is no way around them.
    drf_request = Request(request, parsers=[FormParser()])
    return not all(throttle().allow_request(drf_request, None) for throttle in (LoginThrottle, LoginAddressThrottle))  # type: ignore[arg-type]


@console_headers
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    next_path = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = ""
    context: dict[str, Any] = {"next": next_path, "username": "", "error": None}
    status = 200
    if request.method == "POST":
        context["username"] = username = request.POST.get("username", "")[:150]
        if _throttled(request):
            context["error"], status = _("Too many attempts. Wait a minute and try again."), 429
        else:
            try:
                membership, refresh = auth.login(
                    username=username,
                    password=request.POST.get("password", ""),
                    tenant_slug=request.POST.get("tenant") or None,
                )
            except APIException as exc:
                context["error"], status = _login_error(exc), 400
            else:
                home = home_for(membership.role)
                target = next_path or (reverse("console-page", args=[home.slug]) if home else "/")
                response = HttpResponseRedirect(target)
                session.start(response, refresh)
                return response
    return render(request, "console/login.html", context, status=status)


def _login_error(exc: APIException) -> str:
    codes = exc.get_codes()
    if codes == "no_membership":
        return _("This account has no active membership in that organization.")
    if isinstance(codes, dict) and "tenant" in codes:
        return _("This account belongs to several organizations: enter the one to sign in to.")
    return _("Wrong username or password.")


@console_headers
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(_login_url())
    session.end(request, response)
    return response


@console_headers
@require_POST
def session_token(request: HttpRequest) -> JsonResponse:
    """An access token for this tab, from the session cookie (CSRF-checked: it is a cookie-
    authenticated write). 401 with ``session_ended`` sends the page back to the login form."""
    found = session.current(request)
    if found is None:
        body = {"code": "session_ended", "message": _("Your session has ended. Sign in again."), "login": _login_url()}
        return JsonResponse(body, status=401)
    membership, access = found
    user = membership.user
    return JsonResponse(
        {
            "access": str(access),
            "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
            "user": {"id": user.pk, "username": user.username, "name": user.display_name},
            "tenant": {"id": membership.tenant_id, "slug": membership.tenant.slug, "name": membership.tenant.name},
            "role": membership.role,
            "capabilities": capabilities_of(membership.role),
        }
    )


@console_headers
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    found = session.current(request)
    page = home_for(found[0].role) if found else None
    if page is None:
        return HttpResponseRedirect(_login_url())
    return HttpResponseRedirect(reverse("console-page", args=[page.slug]))


@console_headers
@require_http_methods(["GET"])
def page_view(request: HttpRequest, slug: str) -> HttpResponse:
    page = PAGES.get(slug)
    if page is None:
        raise Http404(slug)
    found = session.current(request)
    if found is None:
        return HttpResponseRedirect(_login_url(request.get_full_path()))
    membership = found[0]
    # The page speaks as the API does (core.auth.answer_language): this device's choice, else the
    # member's own, else the browser's; a member's choice becomes this device's cookie, so the
    # words the page's scripts load, and every later request, agree with the page.
    language = auth.answer_language(request, membership)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    context = {
        "page": page,
        "pages": pages_for(membership.role),
        "member": membership,
        "config": {
            "page": page.slug,
            "tile_url": settings.CONSOLE_TILE_URL,
            "roles": {role.value: str(role.label) for role in Role},  # role names in the page's language
        },
    }
    if not has_capability(membership.role, page.capability):
        response = render(request, "console/forbidden.html", {**context, "forbidden": True}, status=403)
    else:
        response = render(request, page.template, context)
    if membership.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # a str setting, as Django passes it
        )
    return response
