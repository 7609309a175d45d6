"""1C benchmark: exchanges with the simulated 1C (``manage.py simulate_1c``) over HTTP, applied
by a real worker process on PostgreSQL + Redis, on lived-in state; then the catalog's search.

    .venv/bin/python bench/onec.py [--clients 70000] [--products 10000] [--changes 1000]
                                   [--searches 300] [--fresh]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench_onec and redis://127.0.0.1:6379/11 (both
wiped) unless DATABASE_URL / REDIS_URL say otherwise.

- lived-in first (bench/livedin.py; ``--fresh`` skips it): every topic stream at its MAXLEN,
  the firehose full, a million published outbox rows.
- full: the first exchange of a new connection: --clients clients and --products products with
  3 price types and 5 warehouses (prices, stock, client terms), pages of 1,000 rows, applied by
  ``manage.py worker --queues integrations``. Seconds from queueing to the journal row's end,
  rows per second, the worker's peak RSS (VmHWM).
- incremental: --changes changes registered in 1C (prices, stock, renames), then an exchange on
  demand over REST; from the POST to the ``catalog.changed`` and ``onec.exchange_finished``
  events arriving on an admin's socket (the live path included).
- search: --searches product searches over REST by a manager, with a client's prices (names,
  code prefixes, barcodes, random mixes), p50/p99; and the ORM query alone.
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oqim_bench_onec")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["JWT_ACCESS_TTL_SECONDS"] = "7200"

from bench import livedin  # noqa: E402
from bench.realtime import open_socket, percentile, prepare, start_web  # noqa: E402
from tests.net import free_port  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_simulator(args: argparse.Namespace) -> tuple[subprocess.Popen, int, int]:
    primary, failover = free_port(), free_port()
    process = subprocess.Popen(
        [
            *[sys.executable, "manage.py", "simulate_1c", "--port", str(primary), "--failover-port", str(failover)],
            *[
                "--clients",
                str(args.clients),
                "--products",
                str(args.products),
                "--price-types",
                "3",
                "--warehouses",
                "5",
            ],
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(3):  # the two WSDL lines, then the registrations
        print(process.stdout.readline().strip(), flush=True)
    return process, primary, failover


def control(port: int, command: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/control", data=json.dumps(command).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for_exchange(tenant, after_id: int, limit: float) -> object:  # type: ignore[no-untyped-def]
    from domains.onec.models import Exchange

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = Exchange.objects.filter(tenant=tenant, pk__gt=after_id).exclude(status="running").first()
        if done is not None:
            return done
        time.sleep(0.05)
    raise SystemExit("the exchange did not finish in time")


def full_phase(tenant, worker: subprocess.Popen) -> dict:  # type: ignore[no-untyped-def]
    from domains.onec import tasks

    began = time.monotonic()
    tasks.exchange.send(tenant.pk, "manual")  # a new node: 1C has everything registered for it
    exchange = wait_for_exchange(tenant, 0, 600)
    seconds = time.monotonic() - began
    rows = sum(exchange.counts.values())
    assert exchange.status == "succeeded", exchange.error
    return {
        "full_s": round(seconds, 1),
        "full_messages": exchange.messages,
        "full_rows": rows,
        "full_rows_per_s": round(rows / seconds),
        "worker_peak_rss_mb": peak_rss_mb(worker.pid),
    }


async def _watch(port: int, token: str, ready: asyncio.Event, seen: dict) -> None:
    ws = await open_socket(port, token, topic="catalog")
    await ws.send(json.dumps({"type": "subscribe", "topic": "onec"}))
    subscribed = 0
    async for raw in ws:
        frame = json.loads(raw)
        if frame["type"] == "subscribed":
            subscribed += 1
            if subscribed == 2:
                ready.set()
        elif frame["type"] == "ping":
            await ws.send('{"type":"pong"}')
        elif frame["type"] == "event":
            kind = frame["event"]["type"]
            seen.setdefault(kind, time.monotonic())
            if kind == "onec.exchange_finished":
                await ws.close()
                return


async def incremental(port: int, token: str, sim_port: int, changes: int) -> dict:
    ready, seen = asyncio.Event(), {}
    watcher = asyncio.create_task(_watch(port, token, ready, seen))
    await asyncio.wait_for(ready.wait(), 30)
    control(sim_port, {"changes": changes})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/onec/connection/exchange/",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    began = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
    await asyncio.wait_for(watcher, 120)
    return {
        "incremental_changes": changes,
        "incremental_to_catalog_event_s": round(seen["catalog.changed"] - began, 2),
        "incremental_to_finished_event_s": round(seen["onec.exchange_finished"] - began, 2),
    }


def search_phase(port: int, token: str, tenant, searches: int) -> dict:  # type: ignore[no-untyped-def]
    from domains.catalog import selectors
    from domains.catalog.models import PriceType

    r = random.Random(7)
    terms = []
    for _ in range(searches):
        n = r.randrange(10_000)
        terms.append(
            r.choice([f"Tea {n}", f"P-{n // 10:05d}", f"478{n:010d}", r.choice(["tea", "juice 12", "soap", "oil 9"])])
        )
    client_id = _client_with_terms(tenant)
    latencies = []
    for term in terms:
        url = f"http://127.0.0.1:{port}/api/catalog/products/?" + urllib.parse.urlencode(
            {"search": term, "client": client_id}
        )
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            json.loads(response.read())
        latencies.append((time.perf_counter() - began) * 1000)
    price_type = PriceType.objects.filter(tenant=tenant).first()
    orm = []
    for term in terms:
        began = time.perf_counter()
        list(selectors.product_list(tenant=tenant, search=term, price_type=price_type)[:50])
        orm.append((time.perf_counter() - began) * 1000)
    return {
        "search_http_p50_ms": round(percentile(latencies, 0.5), 1),
        "search_http_p99_ms": round(percentile(latencies, 0.99), 1),
        "search_orm_p50_ms": round(percentile(orm, 0.5), 1),
        "search_orm_p99_ms": round(percentile(orm, 0.99), 1),
    }


def _client_with_terms(tenant) -> int:  # type: ignore[no-untyped-def]
    from domains.catalog.models import ClientTerms

    return ClientTerms.objects.filter(tenant=tenant).values_list("client_id", flat=True).first()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=70_000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=300)
    livedin.add_arguments(parser)
    args = parser.parse_args()

    tenant, token = prepare()
    results: dict = {}
    if not args.fresh:
        results.update(livedin.redis_history(tenant.pk))
        results["outbox_rows"] = livedin.outbox_history(tenant.pk)
        livedin.analyze()
        print("lived-in:", results, flush=True)
    from core.auth import issue_tokens
    from domains.onec import services

    tmp = Path(tempfile.mkdtemp(prefix="oqim-bench-onec-"))
    simulator, sim_port, failover_port = start_simulator(args)
    env = {**os.environ, "OQIM_DATA_DIR": str(tmp)}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queues", "integrations", "realtime"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    web, port = start_web(tmp)
    try:
        services.connection_save(
            tenant=tenant,
            wsdl_url=f"http://127.0.0.1:{sim_port}/exchange?wsdl",
            failover_url=f"http://127.0.0.1:{failover_port}/exchange?wsdl",
            page_size=1000,
            timeout_seconds=60,
        )
        time.sleep(2)  # the worker is up
        found = full_phase(tenant, worker)
        print("full:", found, flush=True)
        results.update(found)
        livedin.analyze()
        found = asyncio.run(incremental(port, token, sim_port, args.changes))
        print("incremental:", found, flush=True)
        results.update(found)
        manager = _manager(tenant)
        found = search_phase(port, str(issue_tokens(membership=manager).access_token), tenant, args.searches)
        print("search:", found, flush=True)
        results.update(found)
    finally:
        for process in (web, worker, simulator):
            process.terminate()
        for process in (web, worker, simulator):
            process.wait(30)
    print("RESULT " + " ".join(f"{k}={v}" for k, v in results.items()))


def _manager(tenant):  # type: ignore[no-untyped-def]
    from bench.locations import members
    from core.roles import Role

    return members(tenant, Role.MANAGER, 1)[0]


if __name__ == "__main__":
    main()
