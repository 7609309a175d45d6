"""Webhooks benchmark on PostgreSQL + Redis: --events sales, each delivered to --endpoints real
HTTP receivers, a quarter of them answering 503 for --outage seconds, while a worker process is
SIGKILLed twice and restarted.

Processes, as in production: two `manage.py worker` (8 threads each) and one `manage.py
scheduler` (the one-second sweep). The sales are recorded here through `shops.services.
sale_record` by --threads threads, so each sale commits its event and its 20 deliveries in one
transaction, as a cashier's does. The receivers run in their own process on loopback ports;
each writes down every request (webhook-id, arrival time, the status it answered).

Lived-in first: a million published outbox rows, and --history old deliveries in the delivery log
(delivered, each with its attempt), so the queue's queries run on full tables.

Reported: deliveries per endpoint after deduplication on webhook-id (must be --events each),
duplicates (re-sent after a kill or a lost answer: receivers drop them), order violations (an
endpoint receiving a later sale before an earlier one: must be 0), delivery rate, and the delay
from commit to first attempt for the healthy endpoints (goal: p99 under 1 s), and how long the
failing ones took to catch up after their outage.

Usage:  .venv/bin/python bench/webhooks.py [--events 10000] [--endpoints 20] [--outage 60]
Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.kitchen import pct, prepare  # noqa: E402
from bench.orders import start  # noqa: E402  (a manage.py process, logging to tmp)  (sets the bench database and Redis defaults)
from tests.net import free_port  # noqa: E402

# -- the receivers (a process of their own)


async def _serve(ports: list[int], failing: set[int], fail_until: float, out: Path) -> None:
    records: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> None:
        # Until the sender hangs up (or the receivers are stopped).
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode("latin1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
                status = 503 if port in failing and time.time() < fail_until else 200
                records.append(f"{port} {headers.get('webhook-id')} {time.time():.6f} {status}")
                reason = b"OK" if status == 200 else b"Service Unavailable"
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Length: 2\r\n\r\nok" % (status, reason))
                await writer.drain()
        writer.close()

    servers = [await asyncio.start_server(lambda r, w, p=port: handle(r, w, p), "127.0.0.1", port) for port in ports]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if records:
            with out.open("a") as f:
                f.write("\n".join(records) + "\n")
            records.clear()
    for server in servers:
        server.close()


# -- the bench


def delivery_history(tenant_id: int, endpoint_ids: list[int], rows: int) -> int:
    """``rows`` delivered deliveries of a month ago, each with its attempt, spread over the
    endpoints, in three INSERT … SELECTs."""
    from django.db import connection

    per = max(1, rows // len(endpoint_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO webhooks_message (tenant_id, event_id, type, version, occurred_at, data, sealed)
               SELECT %s, gen_random_uuid(), 'sale.recorded', 1, now() - interval '30 days' + n * interval '1 second',
                      jsonb_build_object('sale_id', n), '[]'::jsonb
               FROM generate_series(1, %s) AS n""",
            [tenant_id, per],
        )
        cursor.execute(
            """INSERT INTO webhooks_delivery (tenant_id, endpoint_id, message_id, state, attempts, next_attempt_at,
                                              first_attempt_at, finished_at, created_at)
               SELECT m.tenant_id, e, m.id, 'delivered', 1, m.occurred_at, m.occurred_at, m.occurred_at, m.occurred_at
               FROM webhooks_message m CROSS JOIN unnest(%s::bigint[]) AS e WHERE m.tenant_id = %s""",
            ["{" + ",".join(map(str, endpoint_ids)) + "}", tenant_id],
        )
        cursor.execute(
            """INSERT INTO webhooks_attempt
                      (tenant_id, delivery_id, started_at, status_code, latency_ms, error, response)
               SELECT tenant_id, id, first_attempt_at, 200, 3, '', 'ok' FROM webhooks_delivery WHERE tenant_id = %s""",
            [tenant_id],
        )
        cursor.execute("ANALYZE webhooks_message, webhooks_delivery, webhooks_attempt")
    return per * len(endpoint_ids)


def record_sales(fixture: dict, events: int, threads: int, spans: dict[int, tuple[float, float]]) -> float:
    """``events`` sales by ``threads`` cashiers' threads; returns the seconds it took. ``spans``
    gets each sale's (began, committed) wall times: a sale committed before another began must
    reach every receiver first."""
    from django.db import connections

    from core.models import Organization, User
    from domains.shops import services as shops
    from domains.shops.models import Branch
    from domains.stock.models import Product

    tenant = Organization.objects.get(pk=fixture["tenant"])
    branch = Branch.objects.get(pk=fixture["branches"][0])
    products = list(Product.objects.filter(pk__in=fixture["products"][3:]))  # not the scarce ones
    cashiers = list(User.objects.filter(username__startswith="bench-cashier-").order_by("pk"))
    todo = list(range(events))
    lock = threading.Lock()

    def run(t: int) -> None:
        while True:
            with lock:
                if not todo:
                    break
                n = todo.pop()
            started = time.time()
            sale, _ = shops.sale_record(
                tenant=tenant,
                branch=branch,
                actor=cashiers[t % len(cashiers)],
                lines=[{"product": products[n % len(products)], "quantity": Decimal(1)}],
                payment_method="cash",
            )
            spans[sale.pk] = (started, time.time())
        connections.close_all()

    began = time.monotonic()
    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds a quarter of the receivers answer 503")
    parser.add_argument("--threads", type=int, default=4, help="threads recording sales")
    parser.add_argument("--history", type=int, default=1_000_000, help="old deliveries in the log")
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--settle-timeout", type=float, default=900.0)
    parser.add_argument("--receivers", default="", help=argparse.SUPPRESS)
    parser.add_argument("--failing", default="", help=argparse.SUPPRESS)
    parser.add_argument("--fail-until", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receivers:
        failing = {int(p) for p in args.failing.split(",") if p}
        ports = [int(p) for p in args.receivers.split(",")]
        asyncio.run(_serve(ports, failing, args.fail_until, Path(args.out)))
        return

    prepare()
    from bench.livedin import outbox_history
    from bench.sales import shop_fixture
    from core.models import User
    from domains.webhooks import services
    from domains.webhooks.models import Delivery, Message

    fixture = shop_fixture(cashiers=args.threads)
    admin = User.objects.get(username="bench-owner")
    ports = [free_port() for _ in range(args.endpoints)]
    failing = ports[: args.endpoints // 4] if args.outage > 0 else []
    endpoints = {}
    from core.models import Organization

    tenant = Organization.objects.get(pk=fixture["tenant"])
    for port in ports:
        endpoint, _secret = services.endpoint_create(
            tenant=tenant, actor=admin, url=f"http://127.0.0.1:{port}/books", event_types=["sale.recorded"]
        )
        endpoints[endpoint.pk] = port
    lived = {
        "outbox_rows": outbox_history(tenant.pk),
        "log_deliveries": delivery_history(tenant.pk, list(endpoints), args.history),
    }
    print("lived-in:", lived, flush=True)
    history_messages = set(Message.objects.values_list("pk", flat=True))

    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        log = tmp / "received.txt"
        workers = [start(["worker", "--threads", "8"], tmp, f"worker-{i}") for i in range(2)]
        scheduler = start(["scheduler"], tmp, "scheduler")
        time.sleep(3)
        fail_until = time.time() + 5 + args.outage
        receivers = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--receivers",
                ",".join(map(str, ports)),
                "--failing",
                ",".join(map(str, failing)),
                "--fail-until",
                str(fail_until),
                "--out",
                str(log),
            ]
        )
        time.sleep(1)

        kills: list[float] = []

        def killer() -> None:
            for n in range(args.kills):
                time.sleep(15 + 10 * n)
                i = n % len(workers)
                workers[i].send_signal(signal.SIGKILL)
                workers[i].wait()
                kills.append(time.time())
                workers[i] = start(["worker", "--threads", "8"], tmp, f"worker-{i}")

        threading.Thread(target=killer, daemon=True).start()
        began = time.time()
        spans: dict[int, tuple[float, float]] = {}
        generating = record_sales(fixture, args.events, args.threads, spans)
        print(f"recorded {args.events} sales in {generating:.1f} s", flush=True)
        deadline = time.monotonic() + args.settle_timeout
        while Delivery.objects.filter(state="pending").exists() and time.monotonic() < deadline:
            time.sleep(1)
        settled = time.time()
        pending = Delivery.objects.filter(state="pending").count()
        time.sleep(2)  # the receivers' last lines
        receivers.send_signal(signal.SIGTERM)
        receivers.wait(30)
        for process in [scheduler, *workers]:
            process.terminate()
        for process in [scheduler, *workers]:
            process.wait(60)

        rows = [line.split() for line in log.read_text().splitlines() if line.strip()]

    # What each endpoint was due: every new sale.recorded, with its sale's span
    fresh = list(
        Message.objects.exclude(pk__in=history_messages)
        .order_by("pk")
        .values_list("event_id", "occurred_at", "data__sale_id")
    )
    order = [str(event_id) for event_id, _at, _sale in fresh]
    committed = {str(event_id): at.timestamp() for event_id, at, _sale in fresh}
    span = {str(event_id): spans[sale] for event_id, _at, sale in fresh}
    got: dict[int, list[str]] = defaultdict(list)
    first_seen: dict[tuple[int, str], float] = {}
    attempts = 0
    for port, event_id, at, status in rows:
        attempts += 1
        first_seen.setdefault((int(port), event_id), float(at))
        if status == "200":
            got[int(port)].append(event_id)
    duplicates = sum(len(ids) - len(set(ids)) for ids in got.values())
    violations = short = 0
    for port in ports:
        seen = list(dict.fromkeys(got[port]))  # first receipt of each, in arrival order
        short += len(set(order) - set(seen))
        # A violation: a sale received after one that began only once it had committed.
        latest_began = float("-inf")
        for event_id in seen:
            began_at, committed_at = span[event_id]
            if committed_at < latest_began:
                violations += 1
            latest_began = max(latest_began, began_at)
    healthy = [p for p in ports if p not in failing]
    delays = [first_seen[(p, e)] - committed[e] for p in healthy for e in order if (p, e) in first_seen]
    accepted = [float(at) for _port, _id, at, status in rows if status == "200"]
    healthy_ports = {str(p) for p in healthy}
    while_generating = sum(
        1
        for port, _id, at, status in rows
        if status == "200" and port in healthy_ports and float(at) <= began + generating
    )
    buckets = Counter(int(at) for at in accepted)
    caught_up = [
        max(float(at) for port, _id, at, status in rows if int(port) == p and status == "200") - fail_until
        for p in failing
        if got[p]
    ]
    results = {
        "events": args.events,
        "endpoints": args.endpoints,
        "failing_endpoints": len(failing),
        "outage_s": args.outage,
        "worker_kills": len(kills),
        "generate_s": round(generating, 1),
        "events_per_s": round(args.events / generating),
        "deliveries_due": len(order) * len(ports),
        "delivered_after_dedupe": sum(len(set(got[p])) for p in ports),
        "missing": short,
        "pending_at_end": pending,
        "duplicates": duplicates,
        "order_violations": violations,
        "attempts": attempts,
        "healthy_delivered_per_s_while_generating": round(while_generating / generating),
        "peak_delivered_per_s": max(buckets.values(), default=0),
        "healthy_delay_p50_ms": round(pct(delays, 0.5) * 1000, 1),
        "healthy_delay_p99_ms": round(pct(delays, 0.99) * 1000, 1),
        "healthy_delay_max_ms": round(max(delays) * 1000, 1) if delays else None,
        "failing_caught_up_after_outage_s": round(max(caught_up), 1) if caught_up else None,
        "total_s": round(settled - began, 1),
        **lived,
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in results.items()))


if __name__ == "__main__":
    main()
