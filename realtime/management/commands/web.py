"""Serve HTTP and WebSocket with daphne on $PORT; in embedded mode also the worker and scheduler."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.config import claim_embedded_process
from realtime.server.asgi import application
from realtime.server.protocols import configured_server
from workers.embedded import EmbeddedBackground

logger = logging.getLogger("oqim.web")


class Command(BaseCommand):
    help = "Run the web process (HTTP + WebSocket). Embedded mode adds the worker and scheduler threads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))

    def handle(self, *args: object, host: str, port: int, **options: object) -> None:
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

        server = configured_server(application, host=host, port=port)
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


def ensure_port_free(host: str, port: int) -> None:
    """Fail fast and clearly; daphne alone logs the bind error and exits 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}. Set PORT to a free port.") from exc
