"""Tracker apps on the OsmAnd protocol: one GET per point to ``/api/trackers/osmand/``,
keep-alive, the device token in ``id``; each device every ``devices / rate`` seconds. Figures:
answers 200 and others, each request's answer time."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from bench.clients.common import next_line, ready


async def run(addresses: list[str], tokens: list[str], rate: int, seconds: float, out: str) -> None:
    clients = [httpx.AsyncClient(base_url=f"http://{a}", timeout=30) for a in addresses]
    period = len(tokens) / rate
    answers: list[float] = []
    counts = {"accepted": 0, "failed": 0}
    ready()
    await next_line()  # go
    began = time.time()

    async def device(n: int, token: str) -> None:
        client = clients[n % len(clients)]
        k = 0
        while (at := began + period * (k + n / len(tokens))) - began < seconds:
            await asyncio.sleep(max(0.0, at - time.time()))
            sent = time.time()
            params = {"id": token, "timestamp": f"{sent:.3f}", "lat": 41.9 + n * 0.0005 + k * 0.00002, "lon": 69.3}
            try:
                answer = await client.get("/api/trackers/osmand/", params={**params, "speed": "3", "batt": "70"})
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            answers.append(time.time() - sent)
            counts["accepted" if ok else "failed"] += 1
            k += 1

    await asyncio.gather(*(device(n, t) for n, t in enumerate(tokens)))
    elapsed = time.time() - began
    for client in clients:
        await client.aclose()
    Path(out).write_text(json.dumps({**counts, "answers": answers, "elapsed": elapsed}))
