"""The process commands as a user runs them: real processes, real ports, real signals."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


class Process(subprocess.Popen):
    """A command whose output is drained by a thread, so a chatty process never blocks on a full
    pipe once the test stops reading, and whose output is there to show when it misbehaves."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        super().__init__(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.stdout:
            self.lines.put(line)
        self.lines.put("")

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)


def wait_for_line(process: Process, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = process.lines.get(timeout=left)
        except queue.Empty:
            break
        process.seen.append(line)
        if not line:
            break
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} never printed; output:\n{process.output()}")


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def stop(process: Process, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"process ignored the stop signal; output:\n{process.output()}") from None


def test_web_serves_on_port_from_the_environment_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {"PORT": str(port), "OQIM_DATA_DIR": str(tmp_path)}
    if not os.environ.get("REDIS_URL"):
        env["DATABASE_URL"] = ""
    web = Process(["web"], env)
    try:
        wait_for_line(web, f":{port}/")
        for _ in range(100):
            try:
                status, body = get_json(f"http://127.0.0.1:{port}/health/")
                break
            except OSError:
                time.sleep(0.1)
        assert (status, body) == (200, {"status": "ok"})
        assert get_json(f"http://127.0.0.1:{port}/ready/")[0] == 200
    finally:
        code = stop(web, signal.SIGINT)
    assert code == 0


@pytest.mark.services
@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_worker_and_scheduler_start_and_stop_on_sigterm(command):
    process = Process([command], {})
    try:
        wait_for_line(process, "ready")
    finally:
        code = stop(process)
    assert code == 0


def test_web_fails_loudly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web = Process(["web", "--port", str(port)], {"OQIM_DATA_DIR": str(tmp_path)})
        web.wait(timeout=60)
        wait_for_line(web, f"Cannot listen on 0.0.0.0:{port}")
    assert web.returncode != 0
