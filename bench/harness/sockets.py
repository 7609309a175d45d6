"""WebSocket clients: one signed-in socket, and the generator processes of ``bench/clients``.

A generator runs in a process of its own (``python -m bench.clients <kind> <options.json>``), so
that it does not share this process's loop with what the bench measures. It prints ``ready``
once its sockets are open, starts on a ``go`` line, and writes its figures to ``out`` as JSON.
"""

from __future__ import annotations

import atexit
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.clients.common import open_socket
from bench.harness import environment

ROOT = Path(__file__).resolve().parents[2]
_spawned = itertools.count()
_running: list[subprocess.Popen] = []
__all__ = ["Generator", "go", "open_socket", "spawn"]


class Generator:
    """A generator process of ``bench/clients``, ready to go."""

    def __init__(self, kind: str, out: Path, process: subprocess.Popen) -> None:
        self.kind, self.out, self.process = kind, out, process

    def say(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait(self, timeout: float) -> None:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise SystemExit(f"the {self.kind} generator did not finish in {timeout:.0f} s") from None
        if code:
            raise SystemExit(f"the {self.kind} generator failed ({code})")

    def figures(self) -> dict:
        return json.loads(self.out.read_text())


def spawn(kind: str, **options: Any) -> Generator:
    """Start ``bench/clients/<kind>.py`` with ``options`` (JSON; lists of tokens included) and
    wait until it is ready; its figures go to a file of the run's directory."""
    n = next(_spawned)
    folder = environment.run_dir() / "generators"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{kind}-{n}.out.json"
    out.unlink(missing_ok=True)
    given = folder / f"{kind}-{n}.json"
    given.write_text(json.dumps({**options, "out": str(out)}))
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.clients", kind, str(given)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    _running.append(process)
    line = process.stdout.readline().strip()
    if line != "ready":
        process.kill()
        raise SystemExit(f"the {kind} generator failed to start: {line!r}")
    return Generator(kind, out, process)


@atexit.register
def _stop_leftovers() -> None:
    """A bench that failed mid-phase leaves no generator running."""
    for process in _running:
        if process.poll() is None:
            process.kill()


def go(*generators: Generator) -> None:
    for generator in generators:
        generator.say("go")
