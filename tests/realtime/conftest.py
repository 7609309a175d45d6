"""Real servers and real WebSocket clients for the realtime tests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from django.db import connection

from core.auth import issue_tokens
from core.models import Membership
from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _fresh_event_streams() -> None:
    """Test databases restart their ids every run; streams left in Redis by an earlier run
    must not be mistaken for this run's."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match="oqim:rt:*", count=1000):
            client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_memory_streams() -> None:
    """Embedded mode: rolled-back test transactions reuse ids, so each test gets a new store."""
    from realtime.streams import reset_streams

    reset_streams()


def database_url() -> str:
    """The test database as a DATABASE_URL, so a server process shares this test's data."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class LiveServer:
    """``manage.py web`` in a subprocess, as a user runs it; ``wrapper`` runs it elsewhere (in a
    network namespace: ``["ip", "netns", "exec", name]``), answering on ``host``."""

    def __init__(self, env: dict[str, str], tmp: Path, *, host: str = "127.0.0.1", wrapper: tuple = ()) -> None:
        self.port = free_port()
        self.host = host
        self.base = f"http://{host}:{self.port}"
        self.ws = f"ws://{host}:{self.port}/ws/"
        self.log = tmp / f"web-{self.port}.log"
        full_env = {**os.environ, "DATABASE_URL": database_url(), "OQIM_DATA_DIR": str(tmp), **env}
        self.process = subprocess.Popen(
            [*wrapper, sys.executable, "manage.py", "web", "--port", str(self.port), "--host", host],
            cwd=ROOT,
            env=full_env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/health/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server never answered:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path, data=json.dumps(body).encode() if body is not None else None, method=method
        )
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def ticket(self, token: str) -> str:
        status, body = self.call("POST", "/api/realtime/tickets/", token)
        assert status == 201, body
        return body["ticket"]


@pytest.fixture(scope="session")
def server_factory(django_db_setup, django_db_blocker, tmp_path_factory) -> Callable[..., LiveServer]:  # type: ignore[no-untyped-def]
    """Start (once per distinct environment) a real web process on the test database."""
    servers: dict[tuple, LiveServer] = {}

    def get(*, name: str = "", **env: str) -> LiveServer:
        key = (name, tuple(sorted(env.items())))
        if key not in servers:
            servers[key] = LiveServer(env, tmp_path_factory.mktemp("web"))
        return servers[key]

    yield get
    for server in servers.values():
        server.stop()


@pytest.fixture
def server(server_factory, transactional_db) -> LiveServer:  # type: ignore[no-untyped-def]
    return server_factory()


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking code (ORM, HTTP) off the loop; closes the thread's DB connection after."""
    return await database_sync_to_async(fn)(*args, **kwargs)


def access_token(membership: Membership) -> str:
    return str(issue_tokens(membership=membership).access_token)


class Client:
    """A real WebSocket client with helpers to read frames with a deadline."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, kind: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
        """The next frame of ``kind`` (matching ``match``), skipping pings."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = await self.recv(max(left, 0.01))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame
            if frame["type"] not in ("ping",):
                raise AssertionError(f"expected {kind} {match}, got {frame}")

    async def nothing(self, within: float = 0.5) -> None:
        """Assert no frame (other than pings) arrives within ``within`` seconds."""
        try:
            while True:
                frame = await self.recv(within)
                if frame["type"] != "ping":
                    raise AssertionError(f"unexpected frame {frame}")
        except TimeoutError:
            return

    async def subscribe(self, topic: str, since: str | None = None) -> dict[str, Any]:
        """Subscribe; a topic with a snapshot (``realtime.inbound.SNAPSHOTS``) sends it next,
        kept in ``snapshots``."""
        from realtime.inbound import SNAPSHOTS

        await self.send(type="subscribe", topic=topic, **({"since": since} if since else {}))
        subscribed = await self.expect("subscribed", topic=topic)
        if topic in SNAPSHOTS:  # one or more parts, merged here
            first = await self.expect("snapshot", topic=topic)
            for _ in range(first["parts"] - 1):
                part = await self.expect("snapshot", topic=topic)
                for key, value in part.items():
                    if isinstance(value, list):
                        first[key] += value
            self.snapshots[topic] = first
        return subscribed

    async def events(self, n: int, timeout: float = 10) -> list[dict[str, Any]]:
        return [await self.expect("event", timeout) for _ in range(n)]


async def connect(server: LiveServer, membership: Membership, **kwargs: Any) -> Client:
    """Open a socket with a ticket, as the docs tell integrators to."""
    ticket = await in_thread(lambda: server.ticket(access_token(membership)))
    ws = await websockets.connect(f"{server.ws}?ticket={ticket}", **kwargs)
    client = Client(ws)
    client.welcome = await client.expect("welcome")
    return client
