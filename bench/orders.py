"""Orders benchmark on PostgreSQL + Redis: orders placed over REST until every one is settled.

Processes, as in production: two `manage.py web`, two `manage.py worker` (8 threads each), one
`manage.py scheduler` (the 5-minute sweep), and the provider: two `manage.py simulate_provider`
instances (primary and failover URL, one shared store in Redis) with provider delay 0, answering
15 % of calls with a 503 and letting 5 % hang past the 2 s client timeout (20 % transient failures).

Phases (each places --orders orders with --clients concurrent keep-alive clients, Idempotency-Key
on every POST, then waits until every order is completed or failed):
  1. calm: no faults but the provider's.
  2. kill: the same while a worker process is SIGKILLed every --kill-every seconds and restarted
     (at most --max-kills times; 0: no limit).

Reported per phase: orders/s (placed-to-all-settled), creation-to-PIN latency p50/p99 (server
timestamps), duplicate dispatches (orders the provider accepted more than once from us: must be
0), re-sent dispatches (a retry after a timeout that sent the same key again, which the provider
deduplicates), lost orders (not settled at the end: must be 0), duplicated PINs (more than one
`order.pin_ready`, or a PIN differing from the provider's: must be 0).

    .venv/bin/python bench/orders.py [--orders 10000] [--clients 20] [--kill-every 4] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.harness import cli, http, people  # noqa: E402
from bench.harness.domains import orders  # noqa: E402
from bench.harness.measure import ms, percentile  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.net import free_ports  # noqa: E402

TIMEOUT_SECONDS = 2
HEARTBEATS = "oqim-tasks:__heartbeats__"  # dramatiq's RedisBroker, namespace in workers.broker


async def client(web: Server, token: str, package: int, todo: list[int], out: dict, tag: str) -> None:
    reader, writer = await http.connect(web)
    try:
        while todo:
            n = todo.pop()
            body = {"package": package, "account": f"player-{n}"}
            started = time.perf_counter()
            status, answer = await http.post(reader, writer, "/api/orders/", token, body, key=f"{tag}-{n}")
            out["latency"].append(time.perf_counter() - started)
            if status == 201:
                out["ids"].append(json.loads(answer)["id"])
            else:
                out["errors"][status] = out["errors"].get(status, 0) + 1
    finally:
        writer.close()


class Workers:
    """Two worker processes; ``kill_one`` SIGKILLs one mid-work and starts it again, and measures
    the redelivery delay: from the kill until the broker's maintenance declares the dead worker
    gone, which is the moment it puts the messages that worker held back in their queues
    (dramatiq's dispatch script does both in one step)."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.processes = [servers.worker(i, threads=8) for i in range(2)]
        self.kills = 0
        self.redelivery_s: list[float] = []
        self.client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)

    def kill_one(self) -> None:
        before = dict(self.client.zrange(HEARTBEATS, 0, -1, withscores=True))
        worker = random.choice(self.processes)
        self.servers.kill(worker)
        killed_at = time.monotonic()
        self.kills += 1
        self.servers.restart(worker)
        threading.Thread(target=self._watch, args=(before, killed_at), daemon=True).start()

    def _watch(self, before: dict[str, float], killed_at: float) -> None:
        time.sleep(2.5)  # live workers heartbeat at least every second; the dead one stops
        now = dict(self.client.zrange(HEARTBEATS, 0, -1, withscores=True))
        dead = {worker for worker, seen in before.items() if now.get(worker) == seen}
        while dead and time.monotonic() - killed_at < 300:
            if not dead & set(self.client.zrange(HEARTBEATS, 0, -1)):
                self.redelivery_s.append(time.monotonic() - killed_at)
                return
            time.sleep(0.1)


def place(name: str, data: dict, webs: list[Server], args: argparse.Namespace) -> dict:
    out: dict = {"latency": [], "ids": [], "errors": {}}
    todo = list(range(args.orders))
    tokens = data["tokens"]

    async def run() -> None:
        await asyncio.gather(
            *(
                client(webs[i % len(webs)], tokens[i % len(tokens)], data["package"], todo, out, name)
                for i in range(args.clients)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    out["placed_s"] = time.perf_counter() - started
    return out


def phase(name: str, data: dict, webs: list[Server], workers: Workers, args: argparse.Namespace, kill: bool) -> dict:
    stop_killing = threading.Event()

    def killer() -> None:
        # The first kill half a second in, while the first orders are being dispatched: a smoke
        # run's few orders can all settle before --kill-every has passed once.
        wait = min(args.kill_every, 0.5)
        while not stop_killing.wait(wait) and (not args.max_kills or workers.kills < args.max_kills):
            workers.kill_one()
            wait = args.kill_every

    if kill:
        threading.Thread(target=killer, daemon=True).start()
    started = time.perf_counter()
    out = place(name, data, webs, args)
    ids = out["ids"]
    deadline = time.perf_counter() + args.settle_timeout
    while orders.unsettled(ids) and time.perf_counter() < deadline:
        time.sleep(1)
    settled = time.perf_counter() - started
    stop_killing.set()
    found = orders.outcome(ids)
    to_pin = found.pop("to_pin")
    return {
        "placed": len(ids),
        "create_errors": out["errors"],
        "create_per_s": round(len(ids) / out["placed_s"], 1),
        "create_p99_ms": ms(out["latency"], 0.99),
        "orders_per_s": round(len(ids) / settled, 1),
        **found,
        "pin_p50_ms": ms(to_pin, 0.5),
        "pin_p99_ms": ms(to_pin, 0.99),
        "worker_kills": workers.kills,
        "redelivery_p50_s": round(percentile(workers.redelivery_s, 0.5), 1) if workers.redelivery_s else None,
        "redelivery_max_s": round(max(workers.redelivery_s), 1) if workers.redelivery_s else None,
    }


def run(args: argparse.Namespace) -> dict:
    """The processes, the fixture, and the two phases."""
    primary, failover = free_ports(2)
    faults = ["--error-rate", "0.15", "--timeout-rate", "0.05", "--hang-seconds", str(TIMEOUT_SECONDS + 1)]
    results = {}
    with Servers() as servers:
        for port in (primary, failover):
            servers.manage(f"provider-{port}", "simulate_provider", "--port", str(port), *faults)
        tenant = people.organization("bench-orders", "Bench orders")
        package = orders.shop(tenant, f"http://127.0.0.1:{primary}", f"http://127.0.0.1:{failover}", TIMEOUT_SECONDS)
        customers = people.members(tenant, Role.CUSTOMER, args.clients, prefix="bench-customer")
        data = {"package": package, "tokens": people.tokens(customers)}
        webs = servers.web(2)
        workers = Workers(servers)
        servers.scheduler()
        time.sleep(2)
        for name, kill in (("calm", False), ("kill", True)):
            results[name] = phase(name, data, webs, workers, args, kill)
            print(name, json.dumps(results[name]), flush=True)
    return results


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--orders", full=10_000, smoke=30)
    parser.size("--clients", full=20, smoke=4)
    parser.size("--kill-every", full=4.0, smoke=3.0, type=float)
    parser.size("--max-kills", full=0, smoke=2, help="kills at most (0: until every order is settled)")
    parser.size("--settle-timeout", full=900.0, smoke=90.0, type=float)
    args = parser.parse()
    environment.fresh()
    results = run(args)
    report = Report()
    for phase_, figures in results.items():
        report.add({f"{phase_}_{key}": value for key, value in figures.items() if key != "create_errors"})
        report.check(f"{phase_}: every order placed", figures["placed"] == args.orders, figures["create_errors"])
        for name in ("lost", "duplicate_dispatches", "duplicated_pins"):
            report.check(f"{phase_}_{name} = 0", figures[name] == 0, figures[name])
    report.check("a worker was killed in the kill phase", results["kill"]["worker_kills"] > 0)
    report.emit(expect=["calm_orders_per_s", "calm_pin_p99_ms", "kill_orders_per_s", "kill_pin_p99_ms"])


if __name__ == "__main__":
    main()
