"""HTTP under daphne: Django's WSGI handler run in a pool of threads (the ``http`` side of
realtime.server.asgi).

Django's ASGI handler runs every sync view, middleware and signal of a process on one shared
thread (``thread_sensitive``), hopping to it several times per request: one web process then
serves one request at a time, and a bare ``/health/`` cost ~2 ms of hops (docs/decisions.md,
"HTTP path"). Here the ASGI side only reads the body and writes the answer; everything Django
does for a request (middleware, view, the request signals that hand database connections back
to the pool) runs in one worker thread, in one hop, and ``WEB_THREADS`` requests run at once.

Bodies are read fully before Django sees them, spooled to disk past 1 MiB, and refused with 413
as soon as they pass the largest body any endpoint takes. A safe request whose database
connection died under it runs once more (core.errors.DATABASE_LOST); a large answer is streamed
at the client's pace; the serving event loop rides in the environ (``EVENT_LOOP``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import IO, Any, cast

from core.errors import DATABASE_LOST, error_json

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The event loop serving a request, in its environ: work a view hands to that loop (the live
# ingester's group commit) is joined there rather than done alone in the worker thread.
EVENT_LOOP = "oqim.event_loop"

SPOOL_BYTES = 1024 * 1024
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# A response up to this size goes back to the event loop whole; a larger one (a file download)
# is streamed from the worker thread, one chunk at a time, at the pace the client reads.
BUFFER_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


def _environ(scope: Scope, body: IO[bytes], length: int, loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    """The WSGI environ for an ASGI HTTP scope (PEP 3333; headers as ``HTTP_*``), with the event
    loop serving it."""
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": (scope.get("client") or ("", 0))[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        EVENT_LOOP: loop,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        value = raw_value.decode("latin1")
        if name == "CONTENT_LENGTH":
            # What daphne read is what Django gets: a declared length that is not a number has
            # already been judged by the server layer.
            continue
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if length or scope["method"] in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(length)
    return environ


class ThreadedWSGI:
    """An ASGI application serving HTTP through ``app`` in ``threads`` worker threads."""

    def __init__(self, app: WSGIApp, *, threads: int, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"ThreadedWSGI serves HTTP, not {scope['type']!r}")
        with SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            try:
                length = await self._read_body(receive, body)
            except ClientGone:
                return
            except BodyTooLarge:
                await _send_whole(send, *error_json(413, "payload_too_large", "The request body is too large."))
                return
            body.seek(0)
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(self.pool, self._run, scope, body, length, send, loop)
        if answer is not None:
            await _send_whole(send, *answer)

    async def _read_body(self, receive: Receive, body: IO[bytes]) -> int:
        length = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            length += len(chunk)
            if length > self.max_body_bytes:
                raise BodyTooLarge
            if chunk:
                body.write(chunk)
            if not message.get("more_body"):
                return length

    def _run(
        self, scope: Scope, body: IO[bytes], length: int, send: Send, loop: asyncio.AbstractEventLoop
    ) -> Answer | None:
        """In a worker thread: the whole of Django's handling. Returns a buffered answer for
        the event loop to send, or None once it streamed the answer itself."""
        head: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if exc_info and head.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            head["status"] = int(status.split(" ", 1)[0])
            head["headers"] = [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers]
            return lambda data: None  # the legacy write() callable; Django never uses it

        def stream(body: bytes, *, more: bool) -> None:
            if not head.get("sent"):
                head["sent"] = True
                message = {"type": "http.response.start", "status": head["status"], "headers": head["headers"]}
                asyncio.run_coroutine_threadsafe(cast(Coroutine, send(message)), loop).result()
            message = {"type": "http.response.body", "body": body, "more_body": more}
            asyncio.run_coroutine_threadsafe(cast(Coroutine, send(message)), loop).result()

        environ = _environ(scope, body, length, loop)
        result = self.app(environ, start_response)
        if environ.get(DATABASE_LOST) and environ["REQUEST_METHOD"] in SAFE_METHODS:
            # The connection died under a read: once more, on a connection the pool checked.
            _close(result)
            body.seek(0)
            environ = _environ(scope, body, length, loop)
            result = self.app(environ, start_response)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in result:
                chunks.append(chunk)
                size += len(chunk)
                if size >= BUFFER_BYTES:
                    stream(b"".join(chunks), more=True)
                    chunks, size = [], 0
        finally:
            _close(result)
        if head.get("sent"):
            stream(b"".join(chunks), more=False)
            return None
        return head["status"], head["headers"], b"".join(chunks)


def serving_loop(request: Any) -> asyncio.AbstractEventLoop | None:
    """The event loop serving ``request`` under daphne; None under the test client."""
    loop = request.META.get(EVENT_LOOP)
    return loop if loop is not None and loop.is_running() else None


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()  # Django's request_finished: connections go back to the pool here


async def _send_whole(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
