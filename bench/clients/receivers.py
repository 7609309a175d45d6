"""Webhook receivers: one HTTP server per port, each writing down every request (port,
``webhook-id``, arrival time, the status it answered); the ``failing`` ports answer 503 until
``fail_until``. The lines go to ``out`` every second, and once more when the bench says stop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from bench.clients.common import next_line, ready


async def run(ports: list[int], failing: list[int], fail_until: float, out: str) -> None:
    records: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> None:
        # Until the sender hangs up (or the receivers are stopped).
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
                status = 503 if port in failing and time.time() < fail_until else 200
                records.append(f"{port} {headers.get('webhook-id')} {time.time():.6f} {status}")
                reason = b"OK" if status == 200 else b"Service Unavailable"
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Length: 2\r\n\r\nok" % (status, reason))
                await writer.drain()
        writer.close()

    servers = [await asyncio.start_server(lambda r, w, p=port: handle(r, w, p), "127.0.0.1", port) for port in ports]

    def flush() -> None:
        if records:
            with Path(out).open("a") as f:
                f.write("\n".join(records) + "\n")
            records.clear()

    stop = asyncio.create_task(next_line())
    ready()
    while not stop.done():
        await asyncio.wait([stop], timeout=1.0)
        flush()
    for server in servers:
        server.close()
    flush()
