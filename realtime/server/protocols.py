"""daphne as Oqim runs it: the protocol-level answers in the documented error shape, and the
server with our limits.

Twisted answers a request it cannot parse (``Content-Length: abc``, a bad request line, too
many header bytes) with a bare ``400`` and no body, and drops a request line longer than
16 KiB without a word; daphne drops the ``reason`` of an application's WebSocket close. These
subclasses keep daphne's behaviour and fill in the answers (docs/api.md "Errors", docs/realtime.md
"Close codes"). They reach into two hooks of Twisted's and daphne's protocols, pinned in
requirements.txt and covered by tests/realtime/test_server_protocols.py.

Importing daphne.server installs Twisted's asyncio reactor. daphne's AppConfig (first in
INSTALLED_APPS) already imported it when Django was set up, so by the time the ``web`` command
loads this module nothing else can have installed another reactor.
"""

from __future__ import annotations

from typing import Any

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server as DaphneServer
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.web import http

from core.errors import error_json

REASON_BYTES = 123  # the most a close frame's reason may hold (RFC 6455 5.5)
WEBSOCKET_MESSAGE_CAP = 1024 * 1024  # daphne's own default


def _answer(status: int, phrase: bytes, code: str, message: str) -> bytes:
    _, headers, body = error_json(status, code, message)
    lines = [b"HTTP/1.1 %d %s" % (status, phrase), *(name + b": " + value for name, value in headers)]
    return b"\r\n".join([*lines, b"connection: close", b"", body])


class HTTPChannel(http.HTTPChannel):
    def _respondToBadRequestAndDisconnect(self) -> None:
        if self._receivedHeaderSize > self.totalHeadersSize or self._receivedHeaderCount > self.maxHeaders:
            answer = _answer(
                431, b"Request Header Fields Too Large", "headers_too_large", "The request's headers are too large."
            )
        else:
            answer = _answer(400, b"Bad Request", "bad_request", "The request could not be understood.")
        self._answer_and_close(answer)

    def lineLengthExceeded(self, line: bytes) -> None:
        # Twisted's own flag: still waiting for a request line (so this line is one).
        if getattr(self, "_HTTPChannel__first_line", 0):
            answer = _answer(414, b"URI Too Long", "uri_too_long", "The request's URL is too long.")
        else:
            answer = _answer(
                431, b"Request Header Fields Too Large", "headers_too_large", "A request header is too long."
            )
        self._answer_and_close(answer)

    def _answer_and_close(self, answer: bytes) -> None:
        transport: Any = self.transport  # twisted's ITransport stub lacks the bound ``write``
        transport.write(answer)
        self.loseConnection()


class WebSocket(WebSocketProtocol):
    def handle_reply(self, message: dict[str, Any]) -> None:
        if message.get("type") == "websocket.close" and self.state != self.STATE_CONNECTING:
            reason = (message.get("reason") or "").encode()[:REASON_BYTES].decode(errors="ignore")
            self.sendClose(code=message.get("code") or 1000, reason=reason or None)
            return
        super().handle_reply(message)


class Server(DaphneServer):
    """daphne's server with the protocols above. daphne builds its factories inside ``run()``;
    the properties swap in our protocols as it does."""

    @property
    def http_factory(self):  # type: ignore[no-untyped-def]
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory) -> None:  # type: ignore[no-untyped-def]
        factory.protocol = lambda: http._GenericHTTPChannelProtocol(HTTPChannel())
        # Twisted formats an access line per request for its own log, which nothing reads here
        # (4 % of a /health/ request's CPU); core.middleware writes ours, with request ids.
        factory.log = lambda request: None
        self._http_factory = factory

    @property
    def ws_factory(self):  # type: ignore[no-untyped-def]
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:  # type: ignore[no-untyped-def]
        factory.protocol = WebSocket
        self._ws_factory = factory


def configured_server(application: Any, *, host: str, port: int) -> Server:
    """daphne's server with our protocols, limits, proxy headers and heartbeats, serving
    ``application`` on ``host:port``."""
    proxied = settings.REST_FRAMEWORK["NUM_PROXIES"] > 0
    # The gateway refuses frames over REALTIME_MAX_FRAME_BYTES with a close code; this hard
    # cap stops the WebSocket layer from buffering anything far bigger. autobahn applies it
    # to what we send too, so it stays well above any frame we build.
    message_cap = max(4 * settings.REALTIME_MAX_FRAME_BYTES, WEBSOCKET_MESSAGE_CAP)
    return Server(
        application=application,
        endpoints=build_endpoint_description_strings(host=host, port=port),
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
