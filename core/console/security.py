"""Headers every console page carries: a Content-Security-Policy without inline script."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def tile_source() -> str:
    """The CSP source for ``CONSOLE_TILE_URL``; ``{s}`` subdomains (a., b., c.) become ``*.``."""
    parts = urlsplit(settings.CONSOLE_TILE_URL)
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def policy(request: HttpRequest) -> str:
    host = request.get_host()
    # 'self' covers ws: in CSP 3, but older engines want the socket origins spelled out.
    sockets = f"ws://{host} wss://{host}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {tile_source()}".strip(),
            f"connect-src 'self' {sockets}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def console_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = policy(request)
        response["Referrer-Policy"] = "same-origin"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        response["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        return response

    return wrapped
