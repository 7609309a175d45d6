"""Serve the simulated provider over HTTP, speaking the HTTP JSON provider contract.

For the benchmark, the HTTP adapter's tests and trying failover by hand: point an ``http``
provider's base URL (or failover URL) at it. A simulated timeout really hangs here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.management.base import BaseCommand, CommandParser

from domains.orders.providers.base import Answer, ProviderRejected, ProviderUnavailable, SubmitRequest
from domains.orders.providers.simulated import SimulatedProvider, Timeout

logger = logging.getLogger(__name__)


def answer_body(answer: Answer) -> dict[str, Any]:
    body: dict[str, Any] = {"status": answer.status, "reference": answer.reference}
    if answer.pin:
        body["pin"] = answer.pin
    if answer.reason:
        body["reason"] = answer.reason
    return body


class SimulatedHandler(BaseHTTPRequestHandler):
    """The provider contract over HTTP; ``handler_for`` binds it to one simulated provider."""

    provider: SimulatedProvider
    hang_seconds: float
    token: str = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: one line per call would drown the benchmark."""

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _serve(self, call: Any) -> None:
        if self.token and self.headers.get("Authorization") != self.token:
            self._send(401, {"reason": "bad credentials"})
            return
        try:
            answer = call()
        except Timeout:
            time.sleep(self.hang_seconds)
            self.close_connection = True
            return
        except ProviderRejected as exc:
            self._send(exc.http_status or 422, {"reason": exc.message})
            return
        except ProviderUnavailable as exc:
            self._send(exc.http_status or 503, {"reason": exc.message})
            return
        if answer is None:
            self._send(404, {"reason": "unknown order"})
        else:
            self._send(200, answer_body(answer))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            request = SubmitRequest(
                key=self.headers.get("Idempotency-Key") or body["client_order_id"],
                product_code=body["product"],
                package_code=body["package"],
                account=body["account"],
                extra=body.get("extra", ""),
            )
        except (ValueError, KeyError, TypeError):
            self._send(400, {"reason": "malformed order"})
            return
        self._serve(lambda: self.provider.submit(request))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/orders":
            key = parse_qs(url.query).get("client_order_id", [""])[0]
            self._serve(lambda: self.provider.lookup(key))
        elif url.path.startswith("/orders/"):
            reference = unquote(url.path[len("/orders/") :])
            self._serve(lambda: self.provider.status(key="", reference=reference))
        else:
            self._send(404, {"reason": "no such endpoint"})


def handler_for(provider: SimulatedProvider, *, hang_seconds: float, token: str) -> type[BaseHTTPRequestHandler]:
    attributes = {"provider": provider, "hang_seconds": hang_seconds, "token": token}
    return type("Handler", (SimulatedHandler,), attributes)


class Command(BaseCommand):
    help = "Serve the simulated order provider over HTTP (the HTTP JSON provider contract)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100)
        parser.add_argument("--delay", type=float, default=0.0, help="Seconds until an order completes.")
        parser.add_argument("--failure-rate", type=float, default=0.0, help="Share of orders that fail.")
        parser.add_argument("--error-rate", type=float, default=0.0, help="Share of calls answered 503.")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="Share of calls that hang.")
        parser.add_argument("--hang-seconds", type=float, default=30.0, help="How long a hanging call hangs.")
        parser.add_argument("--token", default="", help="Require this Authorization header value.")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = SimulatedProvider(
            {
                "delay_seconds": options["delay"],
                "failure_rate": options["failure_rate"],
                "error_rate": options["error_rate"],
                "timeout_rate": options["timeout_rate"],
            }
        )
        handler = handler_for(provider, hang_seconds=options["hang_seconds"], token=options["token"])
        server = ThreadingHTTPServer((options["host"], options["port"]), handler)
        server.daemon_threads = True
        self.stdout.write(f"simulated provider listening on http://{options['host']}:{server.server_port}")
        self.stdout.flush()
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
        finally:
            server.server_close()
