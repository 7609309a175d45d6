"""Kitchen benchmark on PostgreSQL (+ Redis): concurrent serving, live portions, monthly report.

Lived-in first (``--fresh`` skips it): the serving organization's products carry --report-rows
ledger rows of last month's servings, every topic stream is at its MAXLEN, the firehose is full
and the outbox holds a day of rows.

Phases:
  1. serves over HTTP: two `manage.py web` processes and a worker (the live portions follow the
     committed stock changes there), N cooks (keep-alive clients) serving meals whose recipes
     overlap; one scarce ingredient makes some serves fail with 409.
  2. serves through the service API: the same, with 4 processes x T threads calling
     `kitchen.services.serve` (no HTTP), to show what the domain itself sustains.
     Then the anomaly check: ledger sum = balance, balances follow row by row, none negative,
     every 409 names a real shortage.
  3. portions: --portion-meals meals x 30 ingredients; time of the recompute after one delivery,
     and of a delivery with the fan-out that recomputes, end to end.
  4. monthly report over those ledger rows.
  5. the database's own limit: the SQL of one serve over HTTP (authentication included),
     captured and replayed by pgbench from as many clients as there are cooks
     (bench/harness/pgreplay.py); HTTP serves/s as a ratio of it, and the web processes' CPU
     per request.

    .venv/bin/python bench/kitchen.py [--cooks 20] [--seconds 10] [--report-rows 100000] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

from bench.harness import cli, http, livedin, load, people, pgreplay  # noqa: E402
from bench.harness.domains import kitchen, stock  # noqa: E402
from bench.harness.measure import cpu_seconds, ms  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers  # noqa: E402
from core.roles import Role  # noqa: E402


def fixture(cooks: int, history_rows: int) -> dict:
    """An organization with 12 shared ingredients and one scarce, 10 meals of 5 ingredients each
    (the first with the scarce one), ``history_rows`` ledger rows of last month behind them."""
    tenant = people.organization("bench-kitchen", "Bench kitchen")
    manager = people.member(tenant, Role.MANAGER, "bench-manager").user
    products = stock.products(tenant, [f"ingredient-{i}" for i in range(12)])
    scarce = stock.products(tenant, ["saffron"])[0]
    if history_rows:
        kitchen.ledger_history(tenant, products, history_rows, cook=manager)
    stock.deliver(tenant, [*((p, 10**8) for p in products), (scarce, 300)], actor=manager)
    rng = random.Random(7)
    recipes = [
        [(p, rng.randint(5, 150)) for p in rng.sample(products, 5) + ([scarce] if m == 0 else [])] for m in range(10)
    ]
    meals = kitchen.meals(tenant, recipes)
    cooks_ = people.members(tenant, Role.COOK, cooks, prefix="bench-cook")
    return {"tenant": tenant.pk, "meals": [m.pk for m in meals], "tokens": people.tokens(cooks_)}


# -- phase 1: HTTP


async def http_cook(web: Server, token: str, meals: list[int], deadline: float, out: dict, seed: int) -> None:
    rng = random.Random(seed)
    reader, writer = await http.connect(web)
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            path = f"/api/kitchen/meals/{rng.choice(meals)}/serve/"
            body = {"portions": rng.randint(1, 3)}
            status, payload = await http.post(reader, writer, path, token, body, key=f"bench-{seed}-{n}")
            out["latency"].append(time.perf_counter() - started)
            out["status"][status] = out["status"].get(status, 0) + 1
            if status == 409:
                out["refusals"].append(json.loads(payload))
    finally:
        writer.close()


def http_phase(webs: list[Server], data: dict, seconds: float) -> dict:
    out: dict = {"latency": [], "status": {}, "refusals": []}
    tokens = data["tokens"]
    elapsed = http.run_clients(
        webs,
        len(tokens),
        seconds,
        lambda web, i, deadline: http_cook(web, tokens[i], data["meals"], deadline, out, seed=i),
    )
    return {
        "serves_per_s": out["status"].get(201, 0) / elapsed,
        "requests_per_s": len(out["latency"]) / elapsed,
        "requests": len(out["latency"]),
        "p50_ms": ms(out["latency"], 0.50),
        "p99_ms": ms(out["latency"], 0.99),
        "status": out["status"],
        "refusals": out["refusals"],
    }


# -- phase 2: service API in several processes


def service_worker(tenant_id: int, meal_ids: list[int], threads: int, seconds: float, seed: int) -> dict:
    """In a process of its own (bench.harness.load): ``threads`` cooks serving until the deadline."""
    cooks = [m.user for m in people.existing(tenant_id, Role.COOK)]
    meals = kitchen.meal_rows(meal_ids)

    def call(rng: random.Random, n: int) -> dict | None:
        return kitchen.serve(rng.choice(meals), rng.randint(1, 3), cooks[n % len(cooks)])

    return load.threads(call, count=threads, seconds=seconds, seed=seed)


def service_phase(data: dict, processes: int, threads: int, seconds: float) -> dict:
    payloads = [[data["tenant"], data["meals"], threads, seconds, p] for p in range(processes)]
    found = load.merged(load.processes("bench.kitchen:service_worker", payloads))
    return {
        "serves_per_s": found["done"] / seconds,
        "p50_ms": ms(found["latency"], 0.5),
        "p99_ms": ms(found["latency"], 0.99),
        "refusals": found["refusals"],
    }


# -- phase 3: portions of many meals x 30 ingredients


def portions_phase(meals: int) -> dict:
    tenant = people.organization("bench-portions", "Bench portions")
    actor = people.member(tenant, Role.MANAGER, "bench-portions").user
    products = stock.bulk_products(tenant, [f"p{i}" for i in range(30)], on_hand=0)
    kitchen.bulk_meals(tenant, meals, products, quantity=lambda i: 10 + i % 7)
    # Everything plentiful except p0, the bottleneck of every meal.
    stock.receive_silently(tenant, [*((p, 10**7) for p in products[1:]), (products[0], 1000)])
    kitchen.recompute(tenant)
    kitchen.follow_stock()  # what the serving phases left for the followers
    timings = []
    for _ in range(5):
        stock.deliver(tenant, [(products[0], 500)], actor=actor)
        stock.waste(products[0], 500, actor=actor)
        kitchen.follow_stock()  # what those two asked for
        started = time.perf_counter()
        kitchen.recompute(tenant)
        timings.append(time.perf_counter() - started)
    # one real delivery and the recompute its committed change brings, end to end
    started = time.perf_counter()
    stock.deliver(tenant, [(products[0], 700)], actor=actor)
    handed = kitchen.follow_stock()
    end_to_end = time.perf_counter() - started
    return {
        "recompute_ms": round(statistics.median(timings) * 1000, 1),
        "delivery_with_refresh_ms": round(end_to_end * 1000, 1),
        "meals_changed": kitchen.meals_changed(tenant),
        "events_followed": handed,
    }


def pgbench_phase(data: dict, clients: int, seconds: float) -> dict:
    """The SQL of one serve over HTTP (a cook's request, as a web process runs it), replayed by
    pgbench: what PostgreSQL alone sustains for it."""
    path = f"/api/kitchen/meals/{data['meals'][1]}/serve/"  # a meal without the scarce ingredient
    key = "pgreplay-serve"
    inside, after = pgreplay.capture_http(path, data["tokens"][0], {"portions": 1}, key=key)
    tps = pgreplay.replay(os.environ["DATABASE_URL"], inside, after, clients=clients, seconds=seconds, unique=(key,))
    return {"pgbench_serves_per_s": round(tps), "statements": len(inside) + len(after)}


def serving(data: dict, args: argparse.Namespace, report: Report) -> tuple[dict, dict]:
    """Phases 1 and 2, with the web processes and a worker running."""
    with Servers() as servers:
        webs = servers.web(2)
        servers.worker(threads=4)
        cpu0 = sum(cpu_seconds(w.pid) for w in webs)
        found = http_phase(webs, data, args.seconds)
        found["web_cpu_ms_per_request"] = round(
            (sum(cpu_seconds(w.pid) for w in webs) - cpu0) * 1000 / max(1, found["requests"]), 2
        )
        print(
            f"http: {found['serves_per_s']:.0f} serves/s ({found['requests_per_s']:.0f} requests/s), "
            f"p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms, statuses {found['status']}, "
            f"web CPU {found['web_cpu_ms_per_request']} ms per request",
            flush=True,
        )
        service = service_phase(data, processes=4, threads=max(1, args.cooks // 4), seconds=args.seconds)
        print(f"service API: {service['serves_per_s']:.0f} serves/s, p99 {service['p99_ms']} ms", flush=True)
    report.check("some serves over HTTP", found["status"].get(201, 0) > 0, found["status"])
    report.check("no HTTP errors", set(found["status"]) <= {201, 409}, found["status"])
    report.check("some serves through the service API", service["serves_per_s"] > 0)
    return found, service


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--cooks", full=20, smoke=4)
    parser.size("--seconds", full=10.0, smoke=2.0, type=float)
    parser.size("--report-rows", full=100_000, smoke=2_000, help="ledger rows of last month")
    parser.size("--portion-meals", full=500, smoke=50)
    args = parser.parse()
    environment.fresh()
    report = Report()
    data = fixture(args.cooks, 0 if args.fresh else args.report_rows)
    if not args.fresh:
        livedin.build(data["tenant"], smoke=args.smoke)
    found, service = serving(data, args, report)
    refusals = found["refusals"] + service["refusals"]
    check = {**stock.central_anomalies(data["tenant"]), "unjustified_409": stock.unjustified(refusals)}
    print(f"anomalies: {check}, 409s checked: {len(refusals)}", flush=True)
    for name, count in check.items():
        report.check(f"{name} = 0", count == 0, count)
    portions = portions_phase(args.portion_meals)
    print("portions:", portions, flush=True)
    report.check("the delivery changed every meal's portions", portions["meals_changed"] == args.portion_meals)
    report_rows, started = stock.ledger_rows(data["tenant"]), time.perf_counter()
    served = kitchen.variance_report(data["tenant"])
    report_ms = round((time.perf_counter() - started) * 1000)
    print(f"monthly report over {report_rows} ledger rows: {report_ms} ms", flush=True)
    replayed = pgbench_phase(data, clients=args.cooks, seconds=args.seconds)
    print("pgbench:", replayed, flush=True)
    report.add(
        http_serves_per_s=f"{found['serves_per_s']:.0f}",
        http_p50_ms=found["p50_ms"],
        http_p99_ms=found["p99_ms"],
        web_cpu_ms_per_serve=found["web_cpu_ms_per_request"],
        service_serves_per_s=f"{service['serves_per_s']:.0f}",
        service_p50_ms=service["p50_ms"],
        service_p99_ms=service["p99_ms"],
        refused_409=len(refusals),
        **check,
        portions_recompute_ms=portions["recompute_ms"],
        delivery_with_refresh_ms=portions["delivery_with_refresh_ms"],
        report_rows=report_rows,
        report_ms=report_ms,
        report_served=served,
        **replayed,
        http_of_pgbench=f"{found['serves_per_s'] / max(1, replayed['pgbench_serves_per_s']):.2f}",
        lived_in=not args.fresh,
    )
    report.emit(
        expect=[
            "http_serves_per_s",
            "web_cpu_ms_per_serve",
            "service_serves_per_s",
            "pgbench_serves_per_s",
            "statements",
            "http_of_pgbench",
        ]
    )


if __name__ == "__main__":
    main()
