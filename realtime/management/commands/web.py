"""Serve HTTP and WebSocket with daphne on $PORT; in embedded mode also the worker and scheduler."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.config import claim_embedded_process
from workers.embedded import EmbeddedBackground

logger = logging.getLogger("oqim.web")

WEBSOCKET_MESSAGE_CAP = 1024 * 1024  # daphne's own default


class Command(BaseCommand):
    help = "Run the web process (HTTP + WebSocket). Embedded mode adds the worker and scheduler threads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))

    def handle(self, *args: object, host: str, port: int, **options: object) -> None:
        # daphne.server installs Twisted's asyncio reactor; it must be imported before anything
        # else touches the reactor.
        from daphne.endpoints import build_endpoint_description_strings

        from asgi import application
        from core.server import Server

        ensure_port_free(host, port)
        background = None
        if settings.EMBEDDED:
            if not claim_embedded_process(settings.DATA_DIR, strict=settings.IS_PRODUCTION):
                logger.warning(
                    "another embedded Oqim process uses this data directory; events and jobs are not "
                    "shared between them (set REDIS_URL to run several processes)"
                )
            background = EmbeddedBackground()
            background.start()

        server = _server(Server, application, build_endpoint_description_strings(host=host, port=port))
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        mode = "embedded (SQLite/in-process)" if settings.EMBEDDED else "services (Redis)"
        self.stdout.write(
            f"Oqim web on http://{shown}:{port}/  mode: {mode}\n"
            f"  API docs:  http://{shown}:{port}/api/docs/\n"
            f"  Schema:    http://{shown}:{port}/api/schema/\n"
            f"  Admin:     http://{shown}:{port}/admin/\n"
            f"  Health:    http://{shown}:{port}/health/  Ready: http://{shown}:{port}/ready/\n"
            "Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        logger.info("web listening", extra={"host": host, "port": port, "embedded": settings.EMBEDDED})
        # A shell that starts us in the background leaves SIGINT ignored, and Twisted then skips
        # its Ctrl-C handler; restore the default so SIGINT always stops the server.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            server.run()
        finally:
            if background is not None:
                background.stop()
            logger.info("web stopped")
        if not server.listening_addresses:
            raise CommandError(f"Could not listen on {host}:{port}; see the log above.")


def _server(server_class: type, application: Any, endpoints: list[str]) -> Any:
    """daphne's server with Oqim's limits, proxy headers and heartbeats."""
    proxied = settings.REST_FRAMEWORK["NUM_PROXIES"] > 0
    # The gateway refuses frames over REALTIME_MAX_FRAME_BYTES with a close code; this hard
    # cap stops the WebSocket layer from buffering anything far bigger. autobahn applies it
    # to what we send too, so it stays well above any frame we build.
    message_cap = max(4 * settings.REALTIME_MAX_FRAME_BYTES, WEBSOCKET_MESSAGE_CAP)
    return server_class(
        application=application,
        endpoints=endpoints,
        signal_handlers=True,
        action_logger=None,  # access lines come from core.middleware, with request ids
        verbosity=0,
        application_close_timeout=10,
        proxy_forwarded_address_header="X-Forwarded-For" if proxied else None,
        proxy_forwarded_port_header="X-Forwarded-Port" if proxied else None,
        proxy_forwarded_proto_header="X-Forwarded-Proto" if proxied else None,
        server_name="oqim",
        websocket_max_message_size=message_cap,
        websocket_max_frame_size=message_cap,
        # Protocol-level pings: a peer that stops answering is dropped by daphne.
        ping_interval=int(settings.REALTIME_HEARTBEAT_SECONDS) or 1,
        ping_timeout=int(settings.REALTIME_IDLE_TIMEOUT_SECONDS) or 1,
        websocket_timeout=-1,
    )


def ensure_port_free(host: str, port: int) -> None:
    """Fail fast and clearly; daphne alone logs the bind error and exits 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}. Set PORT to a free port.") from exc
