"""Cross-site WebSocket hijacking guard: a browser always sends Origin, so a present Origin must
be one we serve (``REALTIME_ALLOWED_ORIGINS``, else a host in ``ALLOWED_HOSTS``). Non-browser
clients send none and are let through: they gain nothing a token does not already grant."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host


def origin_allowed(scope: dict[str, Any]) -> bool:
    origin = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"origin"), None)
    if origin is None:
        return True
    if origin in settings.REALTIME_ALLOWED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return validate_host(host, settings.ALLOWED_HOSTS) or validate_host(parts.hostname, settings.ALLOWED_HOSTS)


class OriginValidator:
    """ASGI middleware: refuse the handshake (HTTP 403) for a foreign Origin."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 4003})
            return
        await self.app(scope, receive, send)
