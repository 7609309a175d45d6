#!/usr/bin/env python3
"""A live Oqim client: log in, open the WebSocket, subscribe (resuming), print events.

    python examples/live_client.py --url http://127.0.0.1:8000 --username demo-manager \
        --password oqim-demo-pass --topic members --topic organization

``--url`` defaults to ``http://127.0.0.1:$PORT`` (8000 when ``PORT`` is unset), as ``make run``
serves. Ctrl-C stops it.

It follows the client algorithm of docs/realtime.md: a ticket from REST (no token in the URL),
subscribe with the last position seen per topic, dedupe by event id, on ``resync_required``
reload state over REST and continue from the given position, refresh the access token before it
expires, answer pings, and reconnect with backoff whenever the socket closes (except on 4001 with
a refresh that fails, or 4003). Needs ``websockets`` (pip install websockets).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import urllib.error
import urllib.request
from collections import deque
from typing import Any

import websockets

STOP_CODES = {4003}  # membership ended or changed: a new login is needed


class Api:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.access = ""
        self.refresh = ""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *, auth: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.access}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def login(self, username: str, password: str, tenant: str | None) -> None:
        body = {"username": username, "password": password, **({"tenant": tenant} if tenant else {})}
        tokens = self.call("POST", "/api/auth/login/", body, auth=False)
        self.access, self.refresh = tokens["access"], tokens["refresh"]

    def renew(self) -> None:
        tokens = self.call("POST", "/api/auth/refresh/", {"refresh": self.refresh}, auth=False)
        self.access, self.refresh = tokens["access"], tokens.get("refresh", self.refresh)

    def ticket(self) -> str:
        return self.call("POST", "/api/realtime/tickets/")["ticket"]


class LiveClient:
    def __init__(self, api: Api, topics: list[str], *, out: Any = sys.stdout) -> None:
        self.api = api
        self.positions: dict[str, str | None] = dict.fromkeys(topics)
        self.seen: deque[str] = deque(maxlen=10_000)  # event ids: delivery is at-least-once
        self.seen_set: set[str] = set()
        self.out = out

    def emit(self, kind: str, **fields: Any) -> None:
        print(json.dumps({"kind": kind, **fields}), file=self.out, flush=True)

    def reload_state(self, topic: str) -> None:
        """Events were lost for this topic: a real dashboard re-fetches its state over REST here."""
        self.emit("resync", topic=topic)

    async def run_forever(self) -> None:
        backoff = 0.5
        while True:
            try:
                code = await self.session()
            except (OSError, websockets.WebSocketException, urllib.error.URLError) as exc:
                code = None
                self.emit("disconnected", error=str(exc))
            if code in STOP_CODES:
                self.emit("stopped", code=code)
                return
            if code == 4001:
                try:
                    self.api.renew()
                except urllib.error.HTTPError:
                    self.emit("stopped", code=code, reason="session ended; log in again")
                    return
            await asyncio.sleep(backoff + random.random() * backoff)
            backoff = min(backoff * 2, 30.0)

    async def session(self) -> int | None:
        ws_url = self.api.base.replace("http", "ws", 1) + "/ws/?ticket=" + self.api.ticket()
        async with websockets.connect(ws_url, max_size=2**22) as ws:
            refresher: asyncio.Task | None = None
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    kind = frame["type"]
                    if kind == "welcome":
                        self.emit("connected", role=frame["role"], topics=frame["topics"])
                        refresher = asyncio.create_task(self.keep_token_fresh(ws))
                        for topic, position in self.positions.items():
                            request = {"type": "subscribe", "topic": topic, "ref": topic}
                            if position:
                                request["since"] = position
                            await ws.send(json.dumps(request))
                    elif kind == "event":
                        self.positions[frame["topic"]] = frame["position"]
                        event = frame["event"]
                        if event["id"] in self.seen_set:
                            continue
                        if len(self.seen) == self.seen.maxlen:
                            self.seen_set.discard(self.seen[0])
                        self.seen.append(event["id"])
                        self.seen_set.add(event["id"])
                        self.emit("event", topic=frame["topic"], position=frame["position"], event=event)
                    elif kind == "subscribed":
                        if self.positions.get(frame["topic"]) is None:
                            self.positions[frame["topic"]] = frame["position"]
                        self.emit("subscribed", topic=frame["topic"], position=frame["position"])
                    elif kind == "snapshot":  # a topic's current state (agents.locations: every agent)
                        state = {k: v for k, v in frame.items() if k not in ("type", "topic", "ref")}
                        self.emit("snapshot", topic=frame["topic"], **state)
                    elif kind == "resync_required":
                        self.reload_state(frame["topic"])
                        self.positions[frame["topic"]] = frame["position"]
                        await ws.send(
                            json.dumps({"type": "subscribe", "topic": frame["topic"], "since": frame["position"]})
                        )
                    elif kind == "ping":
                        await ws.send('{"type":"pong"}')
                    elif kind == "error":
                        self.emit("error", code=frame["code"], message=frame["message"], topic=frame.get("topic"))
            finally:
                if refresher is not None:
                    refresher.cancel()
            self.emit("closed", code=ws.close_code, reason=ws.close_reason)
            return ws.close_code

    async def keep_token_fresh(self, ws: Any) -> None:
        """Send a fresh access token a minute before the current one expires (4001 otherwise)."""
        while True:
            await asyncio.sleep(max(self.access_lifetime() - 60, 5))
            await asyncio.to_thread(self.api.renew)
            await ws.send(json.dumps({"type": "auth", "token": self.api.access}))

    def access_lifetime(self) -> float:
        import base64
        import time

        payload = self.api.access.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims["exp"] - time.time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT') or 8000}")
    parser.add_argument("--username", default="demo-manager")
    parser.add_argument("--password", default="oqim-demo-pass")
    parser.add_argument("--tenant", default=None, help="organization slug, if the user has several")
    parser.add_argument("--topic", action="append", help="repeat for several (default: members, organization)")
    args = parser.parse_args()
    api = Api(args.url)
    try:
        api.login(args.username, args.password, args.tenant)
    except urllib.error.HTTPError as exc:
        sys.exit(f"login failed at {args.url}: HTTP {exc.code} {exc.read().decode(errors='replace')[:300]}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        sys.exit(f"cannot reach Oqim at {args.url} ({reason}); is it running? (make run; PORT=... or --url)")
    client = LiveClient(api, args.topic or ["members", "organization"])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(client.run_forever())


if __name__ == "__main__":
    main()
