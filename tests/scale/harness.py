"""Running Oqim as a deployment does: web, worker and scheduler processes on a shared database,
a Redis deployment and a broker, with writers and resuming WebSocket followers to load it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websockets

from core.models import Organization
from realtime.models import OutboxEvent
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import ROOT, Client, LiveServer, access_token, database_url, in_thread


class Background:
    """``manage.py worker`` or ``scheduler``, its output to a file."""

    def __init__(self, command: str, env: dict[str, str], tmp: Path, *, wrapper: tuple = ()) -> None:
        self.log = tmp / f"{command}-{time.monotonic_ns()}.log"
        full_env = {**os.environ, "DATABASE_URL": database_url(), "OQIM_DATA_DIR": str(tmp), **env}
        self.process = subprocess.Popen(
            [*wrapper, sys.executable, "manage.py", command],
            cwd=ROOT,
            env=full_env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class Host:
    """One machine's processes: a web server, a worker and (optionally) a scheduler."""

    web: LiveServer
    others: list[Background] = field(default_factory=list)

    @classmethod
    def start(
        cls, env: dict[str, str], tmp: Path, *, scheduler: bool = True, host: str = "127.0.0.1", wrapper: tuple = ()
    ) -> Host:
        tmp.mkdir(parents=True, exist_ok=True)
        others = [Background("worker", env, tmp, wrapper=wrapper)]
        if scheduler:
            others.append(Background("scheduler", env, tmp, wrapper=wrapper))
        return cls(LiveServer(env, tmp, host=host, wrapper=wrapper), others)

    def stop(self) -> None:
        self.web.stop()
        for process in self.others:
            process.stop()

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in [self.web.log, *(o.log for o in self.others)])


class Writer(threading.Thread):
    """Renames the organization every ``interval`` seconds through REST, on the hosts in turn,
    until stopped; records each name with the status it got."""

    def __init__(self, hosts: list[LiveServer], token: str, *, interval: float = 0.02, prefix: str = "w") -> None:
        super().__init__(daemon=True)
        self.hosts = hosts
        self.token = token
        self.interval = interval
        self.prefix = prefix
        self.results: list[tuple[str, int, float]] = []  # (name, status, when)
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        dead: set[int] = set()
        while not self.stopping.is_set():
            turn = n % len(self.hosts)
            if turn in dead and len(dead) < len(self.hosts):
                n += 1
                continue
            name = f"{self.prefix}{n:06d}"
            try:
                status, _ = self.hosts[turn].call("PATCH", "/api/tenant/", self.token, {"name": name})
            except OSError:
                status = 0  # no answer: the host is gone (this write may or may not be in)
                dead.add(turn)
            self.results.append((name, status, time.monotonic()))
            n += 1
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)

    def committed(self) -> set[str]:
        return {name for name, status, _ in self.results if status == 200}


class Follower:
    """A dashboard's socket on the ``organization`` topic that, when it is dropped, reconnects to
    the next host and resumes from the last position it saw, as docs/realtime.md tells clients."""

    def __init__(self, hosts: list[LiveServer], membership) -> None:  # type: ignore[no-untyped-def]
        self.hosts = hosts
        self.membership = membership
        self.names: list[str] = []
        self.position: str | None = None
        self.reconnects = 0
        self.resyncs = 0
        self.task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def _session(self, host: LiveServer) -> None:
        token = await in_thread(access_token, self.membership)
        ticket = await in_thread(host.ticket, token)
        async with websockets.connect(f"{host.ws}?ticket={ticket}", open_timeout=5, close_timeout=1) as ws:
            client = Client(ws)
            await client.expect("welcome")
            resume = {"since": self.position} if self.position else {}
            await client.send(type="subscribe", topic="organization", **resume)
            self.connected.set()
            while True:
                # No frame for ten seconds on a socket pinged every few: the host is cut off.
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "event":
                    self.names.append(frame["event"]["data"]["name"])
                    self.position = frame["position"]
                elif frame["type"] == "subscribed" and not self.position:
                    self.position = frame.get("position")
                elif frame["type"] == "resync_required":
                    self.resyncs += 1
                    self.position = None
                    await client.send(type="subscribe", topic="organization")
                elif frame["type"] == "ping":
                    await client.send(type="pong")

    async def _run(self) -> None:
        n = 0
        while True:
            host = self.hosts[n % len(self.hosts)]
            try:
                await self._session(host)
            except asyncio.CancelledError:
                raise
            except Exception:  # closed, cut off or refused: on to the next host
                self.connected.clear()
                self.reconnects += 1
                n += 1
                await asyncio.sleep(0.2)

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def wait_for(self, names: set[str], timeout: float) -> set[str]:
        """The names still missing after ``timeout`` (empty once all arrived)."""
        deadline = time.monotonic() + timeout
        while (missing := names - set(self.names)) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return missing


async def fail_over_under_load(host: Host, fail: Callable[[Organization], Callable[[], bool]]) -> None:
    """Lose a Redis master while an organization is renamed over REST every 20 ms and a dashboard
    follows it. ``fail`` kills the master (it is handed the organization, whose shard may decide
    which) and returns a check that a replica has taken over.

    Then REST answered only 200 or, during the switch, 503; writes carried on on the new master;
    every committed change reached the dashboard (the relay republishes what the old master took
    but never handed to its replica); and no outbox row is left pending."""
    tenant = await in_thread(tenant_factory)
    admin = await in_thread(member_factory, tenant=tenant)
    follower = Follower([host.web], admin)
    follower.start()
    await asyncio.wait_for(follower.connected.wait(), 15)
    writer = Writer([host.web], await in_thread(access_token, admin))
    writer.start()
    await asyncio.sleep(2)

    killed_at = time.monotonic()
    taken_over = fail(tenant)
    while not taken_over():
        assert time.monotonic() - killed_at < 30, "no replica was promoted"
        await asyncio.sleep(0.2)
    promoted_at = time.monotonic()
    await asyncio.sleep(4)
    await in_thread(writer.stop)

    statuses = {status for _, status, _ in writer.results}
    assert statuses <= {200, 503}, (statuses, host.logs())
    after = [s for _, s, when in writer.results if when > promoted_at + 1]
    assert after and all(s == 200 for s in after), "writes did not carry on on the new master"
    missing = await follower.wait_for(writer.committed(), timeout=30)
    assert not missing, (sorted(missing)[:5], follower.reconnects, host.logs())
    assert await pending_outbox() == 0
    await follower.stop()


async def pending_outbox(tenant_id: int | None = None, seconds: float = 10.0) -> int:
    """Outbox rows not marked published, once they had ``seconds`` to be: the web processes mark
    what they published a moment after (realtime.publisher._Marks), and a row whose process lost
    the database first is marked by the relay, every 2 s."""
    rows = OutboxEvent.objects.filter(published_at__isnull=True)
    if tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    deadline = time.monotonic() + seconds
    while (pending := await in_thread(rows.count)) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return pending
