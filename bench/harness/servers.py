"""The processes a bench starts: ``manage.py web``, ``worker``, ``scheduler``, the simulators, the
peers. Each writes its output to ``<run dir>/logs/<name>.log``; they all stop together when the
``with Servers() as servers:`` block ends, the last started first, and a failed start shows the
end of its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import environment
from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(eq=False)
class Server:
    name: str
    process: subprocess.Popen
    argv: list[str]
    env: dict[str, str]
    host: str = "127.0.0.1"
    port: int = 0
    log: Path = field(default_factory=Path)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def address(self) -> str:
        """``host:port``, as a WebSocket or HTTP URL needs it."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Servers:
    def __init__(self) -> None:
        self.started: list[Server] = []
        self.logs = environment.run_dir() / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    # -- starting

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        wrapper: Sequence[str] = (),
    ) -> Server:
        """A process (``argv`` after the Python interpreter) with this bench's environment."""
        full_env = {**os.environ, **(env or {})}
        log = self.logs / f"{name}.log"
        command = [*wrapper, sys.executable, *argv]
        with log.open("a") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        server = Server(name, process, command, full_env, host=host, port=port, log=log)
        self.started.append(server)
        return server

    def manage(self, name: str, *args: str, **options: Any) -> Server:
        return self.start(name, ["manage.py", *args], **options)

    def web(
        self,
        count: int = 1,
        *,
        name: str = "web",
        host: str = "127.0.0.1",
        wrapper: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ) -> list[Server]:
        """``count`` web processes, each answering /health/ before this returns."""
        webs = []
        for n in range(count):
            port = free_port()
            webs.append(
                self.manage(
                    f"{name}-{n}",
                    "web",
                    "--port",
                    str(port),
                    "--host",
                    host,
                    env=env,
                    port=port,
                    host=host,
                    wrapper=wrapper,
                )
            )
        for web in webs:
            wait_for_http(web, "/health/")
        return webs

    def worker(self, n: int = 0, *, threads: int = 8, queues: Sequence[str] = ()) -> Server:
        extra = ["--queues", *queues] if queues else []
        return self.manage(f"worker-{n}", "worker", "--threads", str(threads), *extra)

    def scheduler(self) -> Server:
        return self.manage("scheduler", "scheduler")

    def restart(self, server: Server) -> Server:
        """The same command again (after a kill), in the same place in the list."""
        log = server.log.open("a")
        server.process = subprocess.Popen(server.argv, cwd=ROOT, env=server.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return server

    # -- stopping

    def kill(self, server: Server) -> None:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()

    def stop(self, server: Server, sig: int = signal.SIGTERM, timeout: float = 30) -> float:
        """Seconds from the signal to the exit; a process still up after ``timeout`` is killed."""
        began = time.monotonic()
        if server.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                server.process.send_signal(sig)
            try:
                server.process.wait(timeout)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
                return timeout
        if server in self.started:
            self.started.remove(server)
        return round(time.monotonic() - began, 1)

    def stop_all(self) -> None:
        for server in reversed(self.started):
            if server.process.poll() is None:
                server.process.terminate()
        for server in reversed(list(self.started)):
            self.stop(server)


def wait_for_http(server: Server, path: str, timeout: float = 60) -> None:
    """Until ``path`` answers; a process that exits first fails the bench with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            urllib.request.urlopen(f"{server.url}{path}", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.name} did not answer {path} in {timeout:.0f} s:\n{server.log_tail()}")


def wait_for_port(server: Server, timeout: float = 60) -> None:
    """Until the server accepts connections (a server with no /health/)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            socket.create_connection((server.host, server.port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.name} did not listen on {server.address} in {timeout:.0f} s:\n{server.log_tail()}")
