"""Orders benchmark on PostgreSQL + Redis: orders placed over REST until every one is settled.

Processes, as in production: two `manage.py web`, two `manage.py worker` (8 threads each), one
`manage.py scheduler` (the 5-minute sweep), and the provider: two `manage.py simulate_provider`
instances (primary and failover URL, one shared store in Redis) with provider delay 0, answering
15 % of calls with a 503 and letting 5 % hang past the 2 s client timeout (20 % transient failures).

Phases (each places --orders orders with --clients concurrent keep-alive clients, Idempotency-Key
on every POST, then waits until every order is completed or failed):
  1. calm: no faults but the provider's.
  2. kill: the same while a worker process is SIGKILLed every --kill-every seconds and restarted.

Reported per phase: orders/s (placed-to-all-settled), creation-to-PIN latency p50/p99 (server
timestamps), duplicate dispatches (orders the provider accepted more than once from us: must be
0), re-sent dispatches (a retry after a timeout that sent the same key again, which the provider
deduplicates), lost orders (not settled at the end: must be 0), duplicated PINs (more than one
`order.pin_ready`, or a PIN differing from the provider's: must be 0).

Usage:  .venv/bin/python bench/orders.py [--orders 10000] [--clients 20] [--kill-every 4]
Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Tokens are issued here, once: they must outlive the whole run (the default is 5 minutes).
os.environ.setdefault("JWT_ACCESS_TTL_SECONDS", "7200")

from bench.keepalive import post  # noqa: E402
from bench.kitchen import pct, prepare  # noqa: E402  (sets the bench database and Redis defaults)
from bench.realtime import start_web  # noqa: E402
from tests.net import free_port  # noqa: E402

TIMEOUT_SECONDS = 2


def start(args: list[str], tmp: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "OQIM_DATA_DIR": str(tmp), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=(tmp / f"{name}.log").open("a"),
        stderr=subprocess.STDOUT,
    )


def fixture(clients: int, primary: int, failover: int) -> dict:
    from core.auth import issue_tokens
    from core.models import Membership, Organization, User
    from core.roles import Role
    from domains.orders import services
    from domains.orders.models import ProviderKind

    tenant = Organization.objects.create(slug="bench-orders", name="Bench orders")
    provider = services.provider_create(
        tenant=tenant,
        name="Bench provider",
        kind=ProviderKind.HTTP,
        base_url=f"http://127.0.0.1:{primary}",
        failover_url=f"http://127.0.0.1:{failover}",
        timeout_seconds=TIMEOUT_SECONDS,
    )
    product = services.product_create(tenant=tenant, name="Gems", provider=provider, code="gems")
    package = services.package_create(
        tenant=tenant,
        product=product,
        name="100",
        code="g100",
        price=Decimal("1.99"),
        currency="USD",
    )
    tokens = []
    for c in range(clients):
        user = User.objects.create(username=f"bench-customer-{c}")
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.CUSTOMER)
        tokens.append(str(issue_tokens(membership=membership).access_token))
    return {"tenant": tenant.pk, "package": package.pk, "tokens": tokens}


async def client(port: int, token: str, package: int, todo: list[int], out: dict, tag: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while todo:
            n = todo.pop()
            body = {"package": package, "account": f"player-{n}"}
            started = time.perf_counter()
            status, answer = await post(reader, writer, "/api/orders/", token, body, key=f"{tag}-{n}")
            payload = json.loads(answer)
            out["latency"].append(time.perf_counter() - started)
            if status == 201:
                out["ids"].append(payload["id"])
            else:
                out["errors"][status] = out["errors"].get(status, 0) + 1
    finally:
        writer.close()


HEARTBEATS = "oqim-tasks:__heartbeats__"  # dramatiq's RedisBroker, namespace in workers.broker


class Workers:
    """Two worker processes; ``kill_one`` SIGKILLs one mid-work and starts a replacement, and
    measures the redelivery delay: from the kill until the broker's maintenance declares the
    dead worker gone, which is the moment it puts the messages that worker held back in their
    queues (dramatiq's dispatch script does both in one step)."""

    def __init__(self, tmp: Path) -> None:
        import redis
        from django.conf import settings

        self.tmp = tmp
        self.processes = [self._start(i) for i in range(2)]
        self.kills = 0
        self.redelivery_s: list[float] = []
        self.client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)

    def _start(self, i: int) -> subprocess.Popen:
        return start(["worker", "--threads", "8"], self.tmp, f"worker-{i}")

    def kill_one(self) -> None:
        before = dict(self.client.zrange(HEARTBEATS, 0, -1, withscores=True))
        i = random.randrange(len(self.processes))
        self.processes[i].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        self.processes[i].wait()
        self.kills += 1
        self.processes[i] = self._start(i)
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

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(30)


def phase(
    name: str,
    data: dict,
    webs: list[int],
    workers: Workers,
    *,
    orders: int,
    clients: int,
    kill_every: float | None,
    settle_timeout: float,
) -> dict:
    from django.db.models import Count, Max

    from domains.orders.models import TERMINAL, Order, OrderAttempt
    from realtime.models import OutboxEvent

    out: dict = {"latency": [], "ids": [], "errors": {}}
    todo = list(range(orders))
    stop_killing = threading.Event()

    def killer() -> None:
        while not stop_killing.wait(kill_every):
            workers.kill_one()

    if kill_every:
        threading.Thread(target=killer, daemon=True).start()

    async def run() -> None:
        await asyncio.gather(
            *(
                client(webs[i % len(webs)], data["tokens"][i % len(data["tokens"])], data["package"], todo, out, name)
                for i in range(clients)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    placed = time.perf_counter() - started
    ids = out["ids"]
    deadline = time.perf_counter() + settle_timeout
    while time.perf_counter() < deadline:
        pending = Order.objects.filter(pk__in=ids).exclude(status__in=TERMINAL).count()
        if not pending:
            break
        time.sleep(1)
    settled = time.perf_counter() - started
    stop_killing.set()

    rows = Order.objects.filter(pk__in=ids)
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    to_pin = [
        (completed - created).total_seconds()
        for created, completed in rows.filter(status="completed").values_list("created_at", "completed_at")
    ]
    accepted_twice = (
        OrderAttempt.objects.filter(
            order_id__in=ids, kind="dispatch", outcome__in=["accepted", "processing", "completed", "failed"]
        )
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    resent = (
        OrderAttempt.objects.filter(order_id__in=ids, kind="dispatch")
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    # read in Python: JSON key lookups differ between databases
    announced = Counter(
        d["order_id"] for d in OutboxEvent.objects.filter(type="order.pin_ready").values_list("data", flat=True)
    )
    id_set = set(ids)
    duplicated_pins = sum(1 for order_id, n in announced.items() if order_id in id_set and n > 1)
    duplicated_pins += pin_mismatches(rows.filter(status="completed"))
    failovers = OrderAttempt.objects.filter(order_id__in=ids, endpoint="failover").count()
    return {
        "placed": len(ids),
        "create_errors": out["errors"],
        "create_per_s": len(ids) / placed,
        "create_p99_ms": pct(out["latency"], 0.99) * 1000,
        "orders_per_s": len(ids) / settled,
        "completed": counts.get("completed", 0),
        "failed": counts.get("failed", 0),
        "lost": len(ids) - counts.get("completed", 0) - counts.get("failed", 0) - counts.get("cancelled", 0),
        "pin_p50_ms": pct(to_pin, 0.5) * 1000,
        "pin_p99_ms": pct(to_pin, 0.99) * 1000,
        "duplicate_dispatches": accepted_twice,
        "resent_dispatches": resent,
        "duplicated_pins": duplicated_pins,
        "failover_calls": failovers,
        "worker_kills": workers.kills,
        "redelivery_p50_s": pct(workers.redelivery_s, 0.5) if workers.redelivery_s else None,
        "redelivery_max_s": max(workers.redelivery_s) if workers.redelivery_s else None,
        "max_dispatch_attempts": rows.aggregate(m=Max("dispatch_attempts"))["m"],
    }


def pin_mismatches(completed) -> int:  # type: ignore[no-untyped-def]
    """Orders whose stored PIN differs from the one the provider holds for them."""
    import redis
    from django.conf import settings

    from domains.orders.providers.simulated import KEY_PREFIX

    client = redis.Redis.from_url(settings.REDIS_URL)
    wrong = 0
    for order in completed.iterator():
        record = client.get(KEY_PREFIX + order.provider_key)
        wrong += record is None or json.loads(record)["pin"] != order.pin()
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=4.0)
    parser.add_argument("--settle-timeout", type=float, default=900.0)
    args = parser.parse_args()

    prepare()
    ports = [free_port(), free_port()]
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        providers = [
            start(
                [
                    "simulate_provider",
                    "--port",
                    str(port),
                    "--error-rate",
                    "0.15",
                    "--timeout-rate",
                    "0.05",
                    "--hang-seconds",
                    str(TIMEOUT_SECONDS + 1),
                ],
                tmp,
                f"provider-{port}",
            )
            for port in ports
        ]
        data = fixture(args.clients, *ports)
        webs = [start_web(tmp / f"web{i}") for i in range(2)]
        workers = Workers(tmp)
        scheduler = start(["scheduler"], tmp, "scheduler")
        results = {}
        try:
            time.sleep(2)
            for name, kill in (("calm", None), ("kill", args.kill_every)):
                results[name] = phase(
                    name,
                    data,
                    [port for _, port in webs],
                    workers,
                    orders=args.orders,
                    clients=args.clients,
                    kill_every=kill,
                    settle_timeout=args.settle_timeout,
                )
                print(name, json.dumps(results[name]), flush=True)
        finally:
            for process in [scheduler, *providers, *(p for p, _ in webs)]:
                process.terminate()
            workers.stop()
    calm, kill = results["calm"], results["kill"]
    print(
        "RESULT "
        + " ".join(
            f"{phase_}_{key}={value if not isinstance(value, float) else round(value, 1)}"
            for phase_, figures in (("calm", calm), ("kill", kill))
            for key, value in figures.items()
            if key != "create_errors"
        )
    )


if __name__ == "__main__":
    main()
