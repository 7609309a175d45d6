"""A real HTTP receiver for webhooks on a free loopback port: it records every request and
answers with the statuses it is told to, in turn (then 200)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.net import QuietHandler, http_server


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to answer, first to last
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver(path: str = "/hook") -> Iterator[Receiver]:
    got = Receiver(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            with got.lock:
                got.requests.append(request)
                status = got.answers.pop(0) if got.answers else 200
            self.answer(status, b'{"ok": true}' if status < 300 else b'{"error": "not now"}')

    with http_server(Handler) as port:
        got.url = f"http://127.0.0.1:{port}{path}"
        yield got
