"""What the HTTP benchmarks share: JSON POSTs over one keep-alive connection per client, and
clients run against a set of `manage.py web` processes until a deadline."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.realtime import start_web


async def post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, token: str, body: Any, key: str
) -> tuple[int, bytes]:
    """POST ``body`` as JSON with an Idempotency-Key; returns the status and the raw answer."""
    payload = json.dumps(body).encode()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        + payload
    )
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return status, await reader.readexactly(length)


def run_clients(
    processes: int, clients: int, seconds: float, client: Callable[[int, int, float], Awaitable[None]]
) -> float:
    """Start ``processes`` web processes, then run ``client(port, index, deadline)`` for each of
    ``clients`` (spread over the processes), the deadline ``seconds`` after they start, until all
    return; stop the processes and return the seconds the clients took."""
    with tempfile.TemporaryDirectory() as tmp:
        webs = [start_web(Path(tmp) / str(i)) for i in range(processes)]
        try:

            async def run() -> None:
                deadline = time.perf_counter() + seconds
                await asyncio.gather(*(client(webs[i % len(webs)][1], i, deadline) for i in range(clients)))

            started = time.perf_counter()
            asyncio.run(run())
            return time.perf_counter() - started
        finally:
            for process, _ in webs:
                process.terminate()
                process.wait(15)
