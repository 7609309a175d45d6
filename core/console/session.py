"""The console's login session: the refresh token in an HttpOnly cookie, access tokens in memory.

The browser never sees a long-lived token: JavaScript cannot read the cookie, and the access
tokens it gets from ``POST /console/session/`` (CSRF-checked) live five minutes in one tab's
memory. Logging out blacklists the session, so every tab and socket of it ends (docs/console.md).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core import auth
from core.models import Membership

COOKIE = "oqim_session"


def start(response: HttpResponse, refresh: RefreshToken) -> None:
    response.set_cookie(
        COOKIE,
        str(refresh),
        max_age=int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings.CONSOLE_COOKIE_SECURE,
        samesite="Lax",  # Strict would log people out when they follow a link to the console
    )


def end(request: HttpRequest, response: HttpResponse) -> None:
    raw = request.COOKIES.get(COOKIE)
    if raw:
        auth.end_session(raw)
    response.delete_cookie(COOKIE, samesite="Lax")


def current(request: HttpRequest) -> tuple[Membership, AccessToken] | None:
    """The member behind the cookie and a fresh access token, or None when there is no live
    session (absent, expired, logged out, membership ended)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        return auth.access_for_session(raw)
    except AuthenticationFailed:
        return None
