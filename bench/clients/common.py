"""What the generators share: a signed-in socket, and the ready/go lines with the bench."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import websockets


async def open_socket(address: str, token: str, topic: str | None = "organization", since: str | None = None) -> Any:
    """A socket to ``ws://<address>/ws/``, signed in, subscribed to ``topic`` if one is given."""
    ws = await websockets.connect(f"ws://{address}/ws/", max_queue=None, ping_interval=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    welcome = json.loads(await ws.recv())
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"not welcomed: {welcome}")
    if topic:
        await ws.send(json.dumps({"type": "subscribe", "topic": topic, **({"since": since} if since else {})}))
    return ws


async def open_sockets(addresses: list[str], tokens: list[str], topic: str | None = None) -> list[Any]:
    """One socket per token, spread over ``addresses``, opened 100 at a time."""
    sockets: list[Any] = []
    for start in range(0, len(tokens), 100):
        sockets += await asyncio.gather(
            *(
                open_socket(addresses[i % len(addresses)], tokens[i], topic)
                for i in range(start, min(start + 100, len(tokens)))
            )
        )
    return sockets


def ready() -> None:
    print("ready", flush=True)


async def next_line() -> str:
    """The bench's next line on stdin, without blocking the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
