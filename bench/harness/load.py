"""Load through the service API: threads calling one function until a deadline, in several
processes at once (one process's GIL would cap the figure otherwise).

``processes("bench.kitchen:service_worker", payloads)`` runs
``python -m bench.harness.load bench.kitchen:service_worker <payload>`` once per payload; that
imports the bench script (which sets Django up), calls the function with the payload's items,
and prints its JSON answer on the last line.
"""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# A call returns None when it did its work, or a refusal (a dict the bench checks afterwards).
Call = Callable[[random.Random, int], "dict | None"]


def threads(call: Call, *, count: int, seconds: float, seed: int) -> dict[str, Any]:
    """``count`` threads calling ``call(rng, thread)`` until ``seconds`` have passed; every
    call's latency, how many did their work, and the refusals."""
    from django.db import connections

    out: dict[str, Any] = {"latency": [], "done": 0, "refusals": []}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(t: int) -> None:
        rng = random.Random(seed * 100 + t)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            refusal = call(rng, seed * count + t)
            with lock:
                out["latency"].append(time.perf_counter() - started)
                if refusal is None:
                    out["done"] += 1
                else:
                    out["refusals"].append(refusal)
        connections.close_all()

    pool = [threading.Thread(target=run, args=(t,)) for t in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return out


def processes(target: str, payloads: list[list[Any]]) -> list[dict[str, Any]]:
    """Run ``target`` (``module:function``) once per payload, all at once, in processes of their
    own; their answers."""
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.harness.load", target, json.dumps(payload)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for payload in payloads
    ]
    answers = []
    for process in running:
        output = process.communicate()[0].strip().splitlines()
        if process.returncode or not output:
            raise SystemExit(f"{target} failed ({process.returncode})")
        answers.append(json.loads(output[-1]))
    return answers


def merged(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The answers of ``threads`` from several processes, as one."""
    return {
        "latency": [x for a in answers for x in a["latency"]],
        "done": sum(a["done"] for a in answers),
        "refusals": [x for a in answers for x in a["refusals"]],
    }


if __name__ == "__main__":
    module, function = sys.argv[1].split(":")
    answer = getattr(importlib.import_module(module), function)(*json.loads(sys.argv[2]))
    print(json.dumps(answer))
