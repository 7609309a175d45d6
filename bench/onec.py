"""1C benchmark: exchanges with the simulated 1C (``manage.py simulate_1c``) over HTTP, applied
by a real worker process on PostgreSQL + Redis, on lived-in state; then the catalog's search.

    .venv/bin/python bench/onec.py [--clients 70000] [--products 10000] [--changes 1000]
                                   [--searches 300] [--fresh] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench_onec and redis://127.0.0.1:6379/11 (both
wiped) unless DATABASE_URL / REDIS_URL say otherwise.

- lived-in first (``--fresh`` skips it): every topic stream at its MAXLEN, the firehose full, a
  million published outbox rows.
- full: the first exchange of a new connection: --clients clients and --products products with
  3 price types and 5 warehouses (prices, stock, client terms), pages of 1,000 rows, applied by
  ``manage.py worker --queues integrations realtime``. Seconds from queueing to the journal row's
  end, rows per second, the worker's peak RSS (VmHWM).
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
import random
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench_onec", redis_db=11)
environment.setup()

from bench.harness import cli, http, livedin, people, sockets  # noqa: E402
from bench.harness.domains import catalog, onec  # noqa: E402
from bench.harness.measure import ms, peak_rss_mb  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers, wait_for_port  # noqa: E402
from core.models import Organization  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.net import free_ports  # noqa: E402


def full_phase(tenant: Organization, worker: Server) -> dict:
    began = time.monotonic()
    onec.queue_exchange(tenant)  # a new node: 1C has everything registered for it
    exchange = onec.wait_for_exchange(tenant, 0, 600)
    seconds = time.monotonic() - began
    rows = sum(exchange.counts.values())
    if exchange.status != "succeeded":
        raise SystemExit(f"the full exchange failed: {exchange.error}")
    return {
        "full_s": round(seconds, 1),
        "full_messages": exchange.messages,
        "full_rows": rows,
        "full_rows_per_s": round(rows / seconds),
        "worker_peak_rss_mb": peak_rss_mb(worker.pid),
    }


async def _watch(web: Server, token: str, ready: asyncio.Event, seen: dict) -> None:
    ws = await sockets.open_socket(web.address, token, topic="catalog")
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


async def incremental(web: Server, token: str, simulator: Server, changes: int) -> dict:
    ready, seen = asyncio.Event(), {}
    watcher = asyncio.create_task(_watch(web, token, ready, seen))
    await asyncio.wait_for(ready.wait(), 30)
    http.post_json(f"{simulator.url}/control", {"changes": changes})
    began = time.monotonic()
    status, _ = http.post_json(f"{web.url}/api/onec/connection/exchange/", {}, token)
    if status != 202:
        raise SystemExit(f"the exchange on demand answered {status}")
    await asyncio.wait_for(watcher, 120)
    return {
        "incremental_changes": changes,
        "incremental_to_catalog_event_s": round(seen["catalog.changed"] - began, 2),
        "incremental_to_finished_event_s": round(seen["onec.exchange_finished"] - began, 2),
    }


def search_phase(web: Server, token: str, tenant: Organization, searches: int, products: int) -> dict:
    r = random.Random(7)
    terms = []
    for _ in range(searches):
        n = r.randrange(products)
        terms.append(
            r.choice(
                [f"Choy {n}", f"P-{n // 10:05d}", f"478{n:010d}", r.choice(["choy", "sharbat 12", "sovun", "un 9"])]
            )
        )
    client_id = catalog.client_with_terms(tenant)
    latencies = []
    for term in terms:
        query = urllib.parse.urlencode({"search": term, "client": client_id})
        latencies += http.timed_gets(f"{web.url}/api/catalog/products/?{query}", token, 1)[0]
    search = catalog.searcher(tenant)
    orm = []
    for term in terms:
        began = time.perf_counter()
        search(term)
        orm.append(time.perf_counter() - began)
    return {
        "search_http_p50_ms": ms(latencies, 0.5),
        "search_http_p99_ms": ms(latencies, 0.99),
        "search_orm_p50_ms": ms(orm, 0.5),
        "search_orm_p99_ms": ms(orm, 0.99),
    }


def exchanges(tenant: Organization, token: str, args: argparse.Namespace, report: Report) -> None:
    """The simulated 1C, a worker and a web process; the three phases."""
    primary, failover = free_ports(2)
    sizes = ["--clients", str(args.clients), "--products", str(args.products), "--price-types", "3"]
    with Servers() as servers:
        ports = ["--port", str(primary), "--failover-port", str(failover)]
        simulator = servers.manage("simulate_1c", "simulate_1c", *ports, *sizes, "--warehouses", "5", port=primary)
        wait_for_port(simulator)
        worker = servers.manage("worker", "worker", "--queues", "integrations", "realtime")
        web = servers.web(1)[0]
        onec.connect(tenant, f"{simulator.url}/exchange?wsdl", f"http://127.0.0.1:{failover}/exchange?wsdl")
        time.sleep(2)  # the worker is up
        report.phase("full", full_phase(tenant, worker))
        livedin.analyze()
        report.phase("incremental", asyncio.run(incremental(web, token, simulator, args.changes)))
        manager = people.token(people.members(tenant, Role.MANAGER, 1)[0])
        report.phase("search", search_phase(web, manager, tenant, args.searches, args.products))


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--clients", full=70_000, smoke=300)
    parser.size("--products", full=10_000, smoke=200)
    parser.size("--changes", full=1000, smoke=20)
    parser.size("--searches", full=300, smoke=10)
    args = parser.parse()
    environment.fresh()
    tenants, tokens = people.organizations(1)
    report = Report()
    if not args.fresh:
        report.add(livedin.build(tenants[0].pk, smoke=args.smoke))
    exchanges(tenants[0], tokens[0], args, report)
    report.check("the full sync brought rows", report.figures["full_rows"] > 0)
    report.emit(expect=["full_s", "incremental_to_finished_event_s", "search_http_p99_ms"])


if __name__ == "__main__":
    main()
