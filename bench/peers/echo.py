"""Bare daphne (see README.md): an ASGI app that answers ``auth`` and acknowledges each
``location`` frame at once, storing nothing and sending nothing to dashboards. The server's own
floor for the same frames: what daphne, Twisted and autobahn cost before any of Oqim's work."""

from __future__ import annotations

import json
from typing import Any


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        return
    await receive()  # connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        frame = json.loads(message.get("text") or message.get("bytes"))
        if frame["type"] == "auth":
            await send({"type": "websocket.send", "text": '{"type":"welcome"}'})
        elif frame["type"] == "location":
            ack = {"type": "location_ack", "ref": frame["ref"], "stored": len(frame["points"]), "duplicates": 0}
            await send({"type": "websocket.send", "text": json.dumps(ack)})
