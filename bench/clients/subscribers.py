"""Subscribers of the ``organization`` topic for the live fan-out: subscriber i follows
organization i % T (T tokens, one per organization) on web process (i // T) % W, so each
organization's subscribers spread over every process. Each event's ``data.name`` is the time it
was emitted; figures: events received and each one's emit → receive time."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from bench.clients.common import open_socket, ready


async def run(addresses: list[str], tokens: list[str], subscribers: int, expect: int, out: str) -> None:
    t = len(tokens)
    sockets = await asyncio.gather(
        *(open_socket(addresses[(i // t) % len(addresses)], tokens[i % t]) for i in range(subscribers))
    )
    for ws in sockets:  # every subscription confirmed before the first event is sent
        while json.loads(await ws.recv())["type"] != "subscribed":
            continue
    latencies: list[float] = []
    received = 0

    async def reader(ws: Any) -> None:
        nonlocal received
        async for raw in ws:
            if raw.startswith('{"type":"event"'):
                latencies.append(time.time() - float(json.loads(raw)["event"]["data"]["name"]))
                received += 1
                if received >= expect:
                    return
            elif '"ping"' in raw:
                await ws.send('{"type":"pong"}')

    tasks = [asyncio.create_task(reader(ws)) for ws in sockets]
    ready()
    first = time.time()
    await asyncio.wait(tasks, timeout=120, return_when=asyncio.FIRST_COMPLETED)
    while received < expect and time.time() - first < 120:
        await asyncio.sleep(0.05)
    Path(out).write_text(json.dumps({"received": received, "latencies": latencies}))
    for task in tasks:
        task.cancel()
