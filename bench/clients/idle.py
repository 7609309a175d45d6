"""Idle signed-in sockets (subscribed to ``organization``), answering pings until the bench
sends a line: what holding connections costs the server."""

from __future__ import annotations

import asyncio
import json
import resource
from pathlib import Path
from typing import Any

from bench.clients.common import next_line, open_socket, ready


async def run(addresses: list[str], token: str, count: int, out: str) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sockets: list[Any] = []
    for start in range(0, count, 200):
        sockets += await asyncio.gather(
            *(open_socket(addresses[i % len(addresses)], token) for i in range(start, min(start + 200, count)))
        )

    async def answer(ws: Any) -> None:
        async for raw in ws:
            if '"ping"' in raw:
                await ws.send('{"type":"pong"}')

    tasks = [asyncio.create_task(answer(ws)) for ws in sockets]
    ready()
    await next_line()
    closed = sum(1 for task in tasks if task.done())
    for task in tasks:
        task.cancel()
    Path(out).write_text(json.dumps({"sockets": len(sockets), "closed_early": closed}))
