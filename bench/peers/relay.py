"""A bare websockets relay (see README.md): ``python bench/peers/relay.py --port N``."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json

import websockets

dashboards: set = set()
agents = itertools.count(1_000_000)


def agent_of(token: str) -> int:
    """The generator gives peers tokens "peer-<n>"; anything else gets a fresh number."""
    tail = token.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else next(agents)


async def handle(ws) -> None:  # type: ignore[no-untyped-def]
    auth = json.loads(await ws.recv())  # anyone is let in; the token names the agent
    agent = agent_of(auth.get("token", ""))
    await ws.send('{"type":"welcome"}')
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "subscribe":
                dashboards.add(ws)
                await ws.send(json.dumps({"type": "subscribed", "topic": frame.get("topic")}))
            elif kind == "location":
                points = frame["points"]
                await ws.send(
                    json.dumps({"type": "location_ack", "ref": frame["ref"], "stored": len(points), "duplicates": 0})
                )
                trail = [[p["recorded_at"], p["lat"], p["lon"]] for p in points]
                event = {"data": {"agent_id": agent, "trail": trail, "points": len(points)}}
                websockets.broadcast(
                    dashboards, json.dumps({"type": "event", "topic": "agents.locations", "event": event})
                )
    finally:
        dashboards.discard(ws)


async def main(port: int) -> None:
    async with websockets.serve(handle, "127.0.0.1", port, max_queue=None, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
