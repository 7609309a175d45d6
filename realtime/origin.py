"""Cross-site WebSocket hijacking guard: a browser always sends Origin, so a present Origin must
be this server's own (the handshake's Host, itself one of ``ALLOWED_HOSTS``) or one listed in
``REALTIME_ALLOWED_ORIGINS`` (a front end served elsewhere). Matching ``ALLOWED_HOSTS`` alone is
not enough: outside production it is ``*``. Non-browser clients send none and are let through:
they gain nothing a token does not already grant."""

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
    served = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    origin_host = parts.hostname if parts.port in (None, default_port) else f"{parts.hostname}:{parts.port}"
    served_host = served.lower().removesuffix(f":{default_port}")
    return origin_host == served_host and validate_host(parts.hostname, settings.ALLOWED_HOSTS)


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
