"""HTTP load: JSON POSTs over one keep-alive connection per client, clients spread over web
processes until a deadline, timed GETs, and wrk."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from bench.harness.servers import Server


async def connect(server: Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(server.host, server.port)


async def post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, token: str, body: Any, key: str
) -> tuple[int, bytes]:
    """POST ``body`` as JSON with an Idempotency-Key; returns the status and the raw answer."""
    payload = json.dumps(body).encode()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        + payload
    )
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return status, await reader.readexactly(length)


def run_clients(
    webs: Sequence[Server], clients: int, seconds: float, client: Callable[[Server, int, float], Awaitable[None]]
) -> float:
    """``client(web, index, deadline)`` for each of ``clients``, spread over ``webs``, the deadline
    ``seconds`` after they start, until all return; the seconds they took."""

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(webs[i % len(webs)], i, deadline) for i in range(clients)))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def get_json(url: str, token: str | None = None, timeout: float = 30) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post_json(url: str, body: Any, token: str | None = None, timeout: float = 30) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None


def metrics(server: Server) -> dict[str, float]:
    """A server's /metrics (Prometheus text), unlabelled samples by name."""
    request = urllib.request.Request(
        f"{server.url}/metrics", headers={"Authorization": f"Bearer {os.environ['METRICS_TOKEN']}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def timed_gets(url: str, token: str, count: int) -> tuple[list[float], Any]:
    """``count`` GETs of ``url``, one after another; their durations and the last answer."""
    timings, body = [], None
    for _ in range(count):
        started = time.perf_counter()
        status, body = get_json(url, token)
        timings.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"GET {url} answered {status}: {body!r:.300}")
    return timings, body


def wrk(server: Server, path: str, token: str | None, connections: int, seconds: float, script: Path | None) -> dict:
    """wrk's requests/s, p50 and p99 (ms) and errors (non-2xx and socket errors)."""
    # wrk takes whole seconds only ("8.0s" is a usage error)
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run([*argv, f"{server.url}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def latency(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(found.group(1)), found.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    return {
        "rps": round(rps),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
    }
