"""Test hosts on this machine: network namespaces on one LAN, a bridge, through veth pairs.

Host ``i`` is namespace ``<tag>-<i>`` at ``10.<net>.0.<i + 2>``. The shared services (PostgreSQL
through a forwarder, Redis) answer on the bridge's own address, ``10.<net>.0.1``: this machine
plays the database and Redis server. Cutting a host takes its link down: it keeps running, but
nothing reaches it and it reaches nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def netns_available() -> str | None:
    """None when namespaces can be made here, else why not."""
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    return None


class Hosts:
    def __init__(self, count: int) -> None:
        self.count = count
        self.net = random.randint(100, 250)
        self.tag = f"oqimt{os.getpid() % 100000}"
        self.service_ip = f"10.{self.net}.0.1"
        self.bridge = f"{self.tag}b"

    def name(self, i: int) -> str:
        return f"{self.tag}-{i}"

    def veth(self, i: int) -> str:
        return f"{self.tag}v{i}"

    def address(self, i: int) -> str:
        return f"10.{self.net}.0.{i + 2}"

    def wrapper(self, i: int) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.name(i))

    def create(self) -> Hosts:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.service_ip}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i in range(self.count):
            ns, outside, inside = self.name(i), self.veth(i), f"{self.veth(i)}p"
            _ip("netns", "add", ns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", ns)
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")
            _ip("-n", ns, "addr", "add", f"{self.address(i)}/24", "dev", inside)
            _ip("-n", ns, "link", "set", inside, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        return self

    def cut(self, i: int) -> None:
        _ip("link", "set", self.veth(i), "down")

    def mend(self, i: int) -> None:
        _ip("link", "set", self.veth(i), "up")

    def remove(self) -> None:
        for i in range(self.count):
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("link", "del", self.veth(i))
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("netns", "del", self.name(i))
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.bridge)


class Forwarder:
    """A TCP forwarder from ``listen`` to ``target`` (PostgreSQL listens on loopback only)."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.listen, self.target = listen, target
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.open: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.open |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.open -= {writer, up_writer}

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, *self.listen))
        self.started.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    def start(self) -> Forwarder:
        self.thread.start()
        assert self.started.wait(10)
        return self

    def stop(self) -> None:
        """Stop, closing the connections still open: the database would count them as sessions."""

        def close_all() -> None:
            for writer in self.open:
                writer.close()
            self.loop.call_later(0.2, self.loop.stop)  # the closes run on the loop

        self.loop.call_soon_threadsafe(close_all)
        self.thread.join(10)


@contextlib.contextmanager
def hosts(count: int) -> Iterator[Hosts]:
    why = netns_available()
    if why:
        pytest.skip(why)
    made = Hosts(count)
    try:
        yield made.create()
    finally:
        made.remove()
