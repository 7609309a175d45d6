"""The HTTP side of the server entry (realtime.server.http), driven as daphne drives it: an ASGI
scope, receive and send, with a plain WSGI app behind. These are the behaviours an off-the-shelf
ASGI→WSGI adapter was measured against (docs/decisions.md, "Libraries measured against our
plumbing"); the live-server tests cover them again through Django."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.errors import DATABASE_LOST
from realtime.server.http import EVENT_LOOP, ThreadedWSGI

ROOT = Path(__file__).resolve().parents[2]


def scope(method: str = "GET", path: str = "/x/") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}


class Client:
    """The server's side of one request: hands over body chunks and records what is sent back."""

    def __init__(self, chunks: list[bytes], *, disconnect: bool = False) -> None:
        self.chunks = chunks
        self.disconnect = disconnect
        self.received = 0
        self.sent: list[dict[str, Any]] = []
        self.on_send: Callable[[dict[str, Any]], None] = lambda message: None

    async def receive(self) -> dict[str, Any]:
        self.received += 1
        if self.received > len(self.chunks):
            return {"type": "http.disconnect"}
        more = self.received < len(self.chunks) or self.disconnect
        return {"type": "http.request", "body": self.chunks[self.received - 1], "more_body": more}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        self.on_send(message)

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def serve(app: Callable[..., Iterable[bytes]], client: Client, request: dict[str, Any], limit: int = 1000) -> None:
    adapter = ThreadedWSGI(app, threads=2, max_body_bytes=limit)
    try:
        asyncio.run(asyncio.wait_for(adapter(request, client.receive, client.send), 10))
    finally:
        adapter.pool.shutdown()


def test_a_body_past_the_limit_is_413_without_reading_the_rest_or_calling_django():
    # given a limit of 1,000 bytes and a client sending ten chunks of 400
    calls = []

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        calls.append(environ)
        start_response("200 OK", [])
        return [b""]

    client = Client([b"a" * 400] * 10)
    # when it is served
    serve(app, client, scope("POST"))
    # then the third chunk (1,200 bytes in all) gets the error shape, and nothing else is read
    assert client.status == 413
    assert json.loads(client.body)["error"]["code"] == "payload_too_large"
    assert client.received == 3 and calls == []


def test_a_client_gone_before_its_body_ended_never_reaches_django():
    calls = []
    client = Client([b"a" * 10], disconnect=True)
    serve(lambda environ, start_response: calls.append(environ) or [], client, scope("POST"))
    assert calls == [] and client.sent == []


def test_a_large_answer_is_streamed_while_the_view_still_produces_it():
    # given a view whose second half is produced only once the first half reached the client
    first_half_sent = threading.Event()

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        yield b"a" * 300_000
        assert first_half_sent.wait(5), "nothing was sent before the answer was complete"
        yield b"b" * 300_000

    client = Client([b""])
    client.on_send = lambda message: message.get("body", b"").startswith(b"a") and first_half_sent.set()
    # when it is served
    serve(app, client, scope())
    # then the answer went out in pieces, in order, and whole
    bodies = [m for m in client.sent if m["type"] == "http.response.body"]
    assert len(bodies) >= 2 and bodies[-1]["more_body"] is False
    assert client.status == 200 and client.body == b"a" * 300_000 + b"b" * 300_000


def test_the_serving_event_loop_is_in_the_environ():
    seen: dict[str, Any] = {}

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        seen["loop"] = environ[EVENT_LOOP]
        seen["running"] = environ[EVENT_LOOP].is_running()
        start_response("204 No Content", [])
        return [b""]

    serve(app, Client([b""]), scope())
    assert isinstance(seen["loop"], asyncio.AbstractEventLoop) and seen["running"] is True


def test_a_read_whose_database_died_runs_once_more_and_a_write_does_not():
    def app_losing_first(calls: list[str]) -> Callable[..., list[bytes]]:
        def app(environ: dict, start_response: Callable) -> list[bytes]:
            calls.append(environ["REQUEST_METHOD"])
            if len(calls) == 1:
                environ[DATABASE_LOST] = True
                start_response("503 Service Unavailable", [])
                return [b"lost"]
            start_response("200 OK", [])
            return [b"fresh"]

        return app

    # given the first handling of each request loses its database connection
    reads: list[str] = []
    read = Client([b""])
    serve(app_losing_first(reads), read, scope("GET"))
    writes: list[str] = []
    write = Client([b"{}"])
    serve(app_losing_first(writes), write, scope("POST"))
    # then the read is answered from a second run, the write is not replayed
    assert (reads, read.status, read.body) == (["GET", "GET"], 200, b"fresh")
    assert (writes, write.status, write.body) == (["POST"], 503, b"lost")


def test_the_top_level_asgi_module_is_the_server_entrys_application():
    # Deployers may name `asgi:application`; it must be the same object `manage.py web` serves.
    check = "import asgi, realtime.server.asgi as entry; assert asgi.application is entry.application"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
