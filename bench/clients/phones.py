"""Agents' phones: each sends a ``location`` frame of ``batch`` points every ``batch * agents /
rate`` seconds, the agents spread evenly over that period, and keeps and re-sends the points the
server refuses (``unavailable``), as the app does. Figures: points sent and acknowledged, each
frame's send → ``location_ack`` time, refusals, errors, the generator's own CPU."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.clients.common import next_line, open_sockets, ready


class Totals:
    def __init__(self) -> None:
        self.sent = self.acked = self.stored = self.duplicates = self.refused = self.filtered = self.unsent = 0
        self.acks: list[float] = []
        self.ack_at: list[float] = []  # when each acknowledged frame was sent, from the start
        self.errors: dict[str, int] = {}
        self.began = 0.0


def points(n: int, frame_no: int, batch: int, period: float, now: float) -> list[dict[str, Any]]:
    """One frame's points of agent ``n``, walking north from 41.2 + n * 0.001; the newest is
    stamped with the send time: dashboards measure from it."""
    lat = 41.2 + n * 0.001
    return [
        {
            "id": f"{n}-{frame_no}-{i}",
            "recorded_at": datetime.fromtimestamp(now - (batch - 1 - i) * period / batch, UTC).isoformat(),
            "lat": lat + (frame_no * batch + i) * 0.00002,
            "lon": 69.25,
            "accuracy": 5.0,
            "speed": 1.5,
            "battery": 80,
        }
        for i in range(batch)
    ]


async def read(ws: Any, pending: dict[int, tuple[float, list]], buffered: list, totals: Totals, began: float) -> None:
    async for raw in ws:
        frame = json.loads(raw)
        if frame["type"] == "location_ack":
            at = pending.pop(frame["ref"])[0]
            totals.acks.append(time.time() - at)
            totals.ack_at.append(at - began)
            totals.acked += frame["stored"] + frame["duplicates"]
            totals.stored += frame["stored"]
            totals.duplicates += frame["duplicates"]
            totals.filtered += sum(frame.get("filtered", {}).values())
        elif frame["type"] == "ping":
            await ws.send('{"type":"pong"}')
        elif frame["type"] == "error":
            totals.errors[frame["code"]] = totals.errors.get(frame["code"], 0) + 1
            _at, refused = pending.pop(frame.get("ref"), (0.0, []))
            if frame["code"] == "unavailable":
                totals.refused += len(refused)
                buffered.extend(refused)


async def phone(n: int, ws: Any, agents: int, batch: int, period: float, seconds: float, totals: Totals) -> None:
    pending: dict[int, tuple[float, list]] = {}
    buffered: list = []  # points the server refused: a phone keeps and resends them
    began = totals.began
    reader = asyncio.create_task(read(ws, pending, buffered, totals, began))
    first = began + period * n / agents  # spread the agents over the period
    frame_no = 0
    while (at := first + frame_no * period) - began < seconds:
        await asyncio.sleep(max(0.0, at - time.time()))
        now = time.time()
        fresh = points(n, frame_no, batch, period, now)
        totals.sent += batch
        totals.unsent += max(0, len(buffered) - 90)  # the app keeps the newest 90 it could not send
        sending, buffered[:] = buffered[-90:] + fresh, []
        pending[frame_no] = (now, sending)
        await ws.send(json.dumps({"type": "location", "ref": frame_no, "points": sending}))
        frame_no += 1
    for _ in range(100):  # wait for the last acks
        if not pending:
            break
        await asyncio.sleep(0.1)
    reader.cancel()
    # what the phone still holds: refused and not sent again, or never answered
    totals.unsent += len(buffered) + sum(len(p) for _at, p in pending.values())


async def run(addresses: list[str], tokens: list[str], rate: int, batch: int, seconds: float, out: str) -> None:
    sockets = await open_sockets(addresses, tokens)
    period = batch * len(tokens) / rate  # seconds between one agent's frames
    totals = Totals()
    ready()
    await next_line()  # go
    totals.began = time.time()
    cpu_began = time.process_time()
    await asyncio.gather(*(phone(n, ws, len(tokens), batch, period, seconds, totals) for n, ws in enumerate(sockets)))
    figures = {
        "sent": totals.sent,
        "acked": totals.acked,
        "stored": totals.stored,
        "duplicates": totals.duplicates,
        "unsent": totals.unsent,
        "acks": totals.acks,
        "ack_at": totals.ack_at,
        "elapsed": time.time() - totals.began,
        "refused": totals.refused,
        "filtered": totals.filtered,
        "errors": totals.errors,
        "cpu_s": time.process_time() - cpu_began,
    }
    Path(out).write_text(json.dumps(figures))
