"""Webhooks benchmark on PostgreSQL + Redis: --events sales, each delivered to --endpoints real
HTTP receivers, a quarter of them answering 503 for --outage seconds, while a worker process is
SIGKILLed --kills times and restarted.

Processes, as in production: two `manage.py worker` (8 threads each) and one `manage.py
scheduler` (the one-second sweep). The sales are recorded here through `shops.services.
sale_record` by --threads threads; each commits its sale and its event, and the fan-out (in the
workers) writes the event's 20 deliveries. The receivers run in their own process on loopback
ports; each writes down every request (webhook-id, arrival time, the status it answered).

Lived-in first: a million published outbox rows, and --history old deliveries in the delivery log
(delivered, each with its attempt), so the queue's queries run on full tables.

Reported: deliveries per endpoint after deduplication on webhook-id (must be --events each),
duplicates (re-sent after a kill or a lost answer: receivers drop them), order violations (an
endpoint receiving a later sale before an earlier one: must be 0), delivery rate, and the delay
from commit to first attempt for the healthy endpoints (goal: p99 under 1 s), and how long the
failing ones took to catch up after their outage.

    .venv/bin/python bench/webhooks.py [--events 10000] [--endpoints 20] [--outage 60] [--kills 2] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

from bench.harness import cli, livedin, people, sockets  # noqa: E402
from bench.harness.domains import shops, webhooks  # noqa: E402
from bench.harness.measure import ms  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Servers  # noqa: E402
from core.models import Organization  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.net import free_ports  # noqa: E402


def record_sales(data: dict, events: int, threads: int, spans: dict[int, tuple[float, float]]) -> float:
    """``events`` sales by ``threads`` cashiers' threads; returns the seconds it took. ``spans``
    gets each sale's (began, committed) wall times: a sale committed before another began must
    reach every receiver first."""
    from django.db import connections

    till = shops.Till(data)
    todo = list(range(events))
    lock = threading.Lock()
    plentiful = data["products"][3:]

    def run(t: int) -> None:
        while True:
            with lock:
                if not todo:
                    break
                n = todo.pop()
            started = time.time()
            line = {"product": plentiful[n % len(plentiful)], "quantity": 1}
            sale_id, _ = till.sell(data["branches"][0], [line], cashier=t)
            spans[sale_id] = (started, time.time())
        connections.close_all()

    began = time.monotonic()
    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.monotonic() - began


def killer(servers: Servers, workers: list, kills: list[float], args: argparse.Namespace) -> None:
    for n in range(args.kills):
        time.sleep(args.kill_after if n == 0 else args.kill_every)
        worker = workers[n % len(workers)]
        servers.kill(worker)
        kills.append(time.time())
        servers.restart(worker)


def deliver(data: dict, ports: list[int], failing: list[int], args: argparse.Namespace) -> dict:
    """The run: workers and the scheduler, the receivers, the sales, until nothing is pending."""
    with Servers() as servers:
        workers = [servers.worker(i, threads=8) for i in range(2)]
        servers.scheduler()
        time.sleep(3)
        # The outage starts with the receivers, and covers their start-up (a few seconds).
        fail_until = time.time() + (2 if args.smoke else 5) + args.outage
        receivers = sockets.spawn("receivers", ports=ports, failing=failing, fail_until=fail_until)
        kills: list[float] = []
        threading.Thread(target=killer, args=(servers, workers, kills, args), daemon=True).start()
        began = time.time()
        spans: dict[int, tuple[float, float]] = {}
        generating = record_sales(data, args.events, args.threads, spans)
        print(f"recorded {args.events} sales in {generating:.1f} s", flush=True)
        deadline = time.monotonic() + args.settle_timeout
        while webhooks.unsettled() and time.monotonic() < deadline:
            time.sleep(1)
        settled = time.time()
        pending = webhooks.unsettled()
        time.sleep(2)  # the receivers' last lines
        receivers.say("stop")
        receivers.wait(30)
    rows = [line.split() for line in receivers.out.read_text().splitlines() if line.strip()]
    return {
        "rows": rows,
        "spans": spans,
        "kills": kills,
        "began": began,
        "generating": generating,
        "settled": settled,
        "pending": pending,
        "fail_until": fail_until,
    }


def received(ports: list[int], rows: list[list[str]], order: list[str], span: dict) -> dict:
    """Per endpoint: what it got (dedupe on webhook-id), what it misses, order violations."""
    got: dict[int, list[str]] = defaultdict(list)
    for port, event_id, _at, status in rows:
        if status == "200":
            got[int(port)].append(event_id)
    violations = short = 0
    for port in ports:
        seen = list(dict.fromkeys(got[port]))  # first receipt of each, in arrival order
        short += len(set(order) - set(seen))
        # A violation: a sale received after one that began only once it had committed.
        latest_began = float("-inf")
        for event_id in seen:
            began_at, committed_at = span[event_id]
            violations += committed_at < latest_began
            latest_began = max(latest_began, began_at)
    return {
        "got": got,
        "missing": short,
        "duplicates": sum(len(ids) - len(set(ids)) for ids in got.values()),
        "order_violations": violations,
    }


def figures(run: dict, ports: list[int], failing: list[int], last_history: int) -> dict:
    fresh = webhooks.messages_since(last_history)  # what each endpoint was due: every new sale.recorded
    order = [event_id for event_id, _at, _sale in fresh]
    committed = {event_id: at for event_id, at, _sale in fresh}
    span = {event_id: run["spans"][sale] for event_id, _at, sale in fresh}
    rows = run["rows"]
    got = received(ports, rows, order, span)
    first_seen: dict[tuple[int, str], float] = {}
    for port, event_id, at, _status in rows:
        first_seen.setdefault((int(port), event_id), float(at))
    healthy = [p for p in ports if p not in failing]
    delays = [first_seen[(p, e)] - committed[e] for p in healthy for e in order if (p, e) in first_seen]
    ok_rows = [(int(port), float(at)) for port, _id, at, status in rows if status == "200"]
    end_of_sales = run["began"] + run["generating"]
    caught_up = [max(at for port, at in ok_rows if port == p) - run["fail_until"] for p in failing if got["got"][p]]
    return {
        "worker_kills": len(run["kills"]),
        "generate_s": round(run["generating"], 1),
        "events_per_s": round(len(run["spans"]) / run["generating"]),
        "deliveries_due": len(order) * len(ports),
        "delivered_after_dedupe": sum(len(set(got["got"][p])) for p in ports),
        "missing": got["missing"],
        "pending_at_end": run["pending"],
        "duplicates": got["duplicates"],
        "order_violations": got["order_violations"],
        "attempts": len(rows),
        "healthy_delivered_per_s_while_generating": round(
            sum(1 for port, at in ok_rows if port in healthy and at <= end_of_sales) / run["generating"]
        ),
        "peak_delivered_per_s": max(Counter(int(at) for _port, at in ok_rows).values(), default=0),
        "healthy_delay_p50_ms": ms(delays, 0.5),
        "healthy_delay_p99_ms": ms(delays, 0.99),
        "healthy_delay_max_ms": round(max(delays) * 1000, 1) if delays else None,
        "failing_caught_up_after_outage_s": round(max(caught_up), 1) if caught_up else None,
        "total_s": round(run["settled"] - run["began"], 1),
    }


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--events", full=10_000, smoke=200)
    parser.size("--endpoints", full=20, smoke=4)
    parser.size("--outage", full=60.0, smoke=2.0, type=float, help="seconds a quarter of the receivers answer 503")
    parser.size("--threads", full=4, smoke=2, help="threads recording sales")
    parser.size("--history", full=1_000_000, smoke=2_000, help="old deliveries in the log")
    parser.size("--kills", full=2, smoke=1)
    parser.size("--kill-after", full=15.0, smoke=2.0, type=float, help="seconds before the first kill")
    parser.size("--kill-every", full=25.0, smoke=5.0, type=float, help="seconds between kills")
    parser.size("--settle-timeout", full=900.0, smoke=60.0, type=float)
    args = parser.parse()
    environment.fresh()
    data = shops.shop(args.threads)
    tenant = Organization.objects.get(pk=data["tenant"])
    admin = people.existing(data["tenant"], Role.ADMIN, 1)[0].user
    ports = free_ports(args.endpoints)
    failing = ports[: args.endpoints // 4] if args.outage > 0 else []
    ids = webhooks.endpoints(tenant, admin, [f"http://127.0.0.1:{p}/books" for p in ports], ["sale.recorded"])
    lived = {} if args.fresh else livedin.build(tenant.pk, smoke=args.smoke)
    if not args.fresh:
        lived["log_deliveries"] = webhooks.delivery_history(tenant.pk, ids, args.history)
    last_history = webhooks.last_message_id()
    run = deliver(data, ports, failing, args)
    report = Report()
    report.add(events=args.events, endpoints=args.endpoints, failing_endpoints=len(failing), outage_s=args.outage)
    report.add(figures(run, ports, failing, last_history))
    report.add(lived)
    for name in ("missing", "pending_at_end", "order_violations"):
        report.check(f"{name} = 0", report.figures[name] == 0, report.figures[name])
    due = args.events * len(ports)
    report.check("every delivery due was delivered", report.figures["delivered_after_dedupe"] == due)
    report.emit(expect=["delivered_after_dedupe", "healthy_delay_p99_ms", "events_per_s"])


if __name__ == "__main__":
    main()
