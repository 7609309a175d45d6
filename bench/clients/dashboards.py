"""Managers' dashboards subscribed to ``agents.locations``: each counts every point it gets (in
the events' ``trail``s), the distinct ones (agent, device time) and the time from the point's
stamp to its arrival; ``geofence.*`` events are timed from the crossing fix's device time.

Oqim batches agents in one event (``data.agents``, version 2); the peers send one agent per
event and no event type, and both are read the same way."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.clients.common import next_line, open_sockets, ready


class Seen:
    def __init__(self, dashboards: int) -> None:
        self.latencies: list[float] = []
        self.fence_latencies: list[float] = []
        self.received = [0] * dashboards
        self.distinct: list[set] = [set() for _ in range(dashboards)]  # (agent, device time)
        self.closed: list[Any] = []
        self.failures: list[str] = []

    def event(self, k: int, event: dict) -> None:
        data = event.get("data", {})
        if event.get("type", "").startswith("geofence."):
            self.fence_latencies.append(time.time() - datetime.fromisoformat(data["recorded_at"]).timestamp())
            return
        for entry in data.get("agents", [data]):
            if "trail" not in entry:
                continue
            newest = datetime.fromisoformat(entry["trail"][-1][0]).timestamp()
            self.latencies.append(time.time() - newest)
            self.received[k] += len(entry["trail"])
            self.distinct[k].update((entry["agent_id"], stamp) for stamp, _lat, _lon in entry["trail"])


async def watch(k: int, ws: Any, seen: Seen) -> None:
    try:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "event":
                seen.event(k, frame["event"])
            elif frame["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif frame["type"] == "error":
                print("dashboard error frame:", raw[:300], file=sys.stderr, flush=True)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # report, never hide, a reader's failure
        seen.failures.append(repr(exc))
        print("dashboard failed:", repr(exc), file=sys.stderr, flush=True)
    finally:
        seen.closed.append(ws.close_code)


async def run(addresses: list[str], tokens: list[str], out: str) -> None:
    sockets = await open_sockets(addresses, tokens, topic="agents.locations")
    seen = Seen(len(sockets))
    tasks = [asyncio.create_task(watch(k, ws, seen)) for k, ws in enumerate(sockets)]
    ready()
    await next_line()  # go
    cpu_began = time.process_time()
    await next_line()  # the phones are done
    # the last events reach the dashboards: wait until the counts stop growing (at most 30 s)
    for _ in range(15):
        before = sum(seen.received)
        await asyncio.sleep(2)
        if sum(seen.received) == before:
            break
    cpu_s = time.process_time() - cpu_began
    for task in tasks:
        task.cancel()
    figures = {
        "received": seen.received,
        "distinct": [len(x) for x in seen.distinct],
        "latencies": seen.latencies,
        "fence_latencies": seen.fence_latencies,
        "closed": [c for c in seen.closed if c is not None],
        "failures": seen.failures,
        "cpu_s": cpu_s,
    }
    Path(out).write_text(json.dumps(figures))
