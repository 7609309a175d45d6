"""Shop benchmark on PostgreSQL (+ Redis): concurrent cashiers, ledger drift, reports at 1M lines.

Lived-in first (``--fresh`` skips it): --lines sale lines of another organization's season, every
topic stream at its MAXLEN, the firehose full, a day of outbox rows.

Phases:
  1. sales over HTTP: --web `manage.py web` processes (2 by default), C cashiers (keep-alive
     clients) at 3 branches selling 1-3 lines each from 20 shared products; a few products run
     short, so some sales are refused whole with 409.
  2. sales through the service API: 2 processes x T threads calling `shops.services.sale_record`
     (no HTTP), to show what the domain itself sustains.
     After both: drift check. Every branch balance = the sum of its ledger rows and its rows chain
     (balance_after follows row by row), none negative, the daily rollup = the raw sale lines, and
     every 409 names a real shortage.
  3. reports over the season's lines (90 days, 3 branches, 200 products) and their rollup:
     GET /api/shops/reports/summary/ for one day, one branch, 30 days, and top-products, over HTTP.
  4. the database's own limit: one sale's SQL replayed by pgbench (bench/harness/pgreplay.py).

    .venv/bin/python bench/sales.py [--cashiers 10] [--seconds 10] [--web 2] [--lines 1000000] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

from bench.harness import cli, http, livedin, load, pgreplay  # noqa: E402
from bench.harness.domains import shops, stock  # noqa: E402
from bench.harness.measure import cpu_seconds, ms  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers  # noqa: E402


def sale_body(rng: random.Random, data: dict) -> dict:
    chosen = rng.sample(data["products"], rng.randint(1, 3))
    return {
        "branch": rng.choice(data["branches"]),
        "payment_method": rng.choice(["cash", "card", "transfer"]),
        "lines": [
            {"product": p, "quantity": rng.randint(1, 3), "discount_percent": rng.choice(["0", "0", "5"])}
            for p in chosen
        ],
    }


# -- phase 1: HTTP


async def http_cashier(web: Server, token: str, data: dict, deadline: float, out: dict, seed: int) -> None:
    rng = random.Random(seed)
    reader, writer = await http.connect(web)
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            body = sale_body(rng, data)
            status, payload = await http.post(reader, writer, "/api/shops/sales/", token, body, key=f"bench-{seed}-{n}")
            out["latency"].append(time.perf_counter() - started)
            out["status"][status] = out["status"].get(status, 0) + 1
            if status == 409:
                out["refusals"].append(json.loads(payload))
    finally:
        writer.close()


def http_phase(data: dict, seconds: float, processes: int) -> dict:
    out: dict = {"latency": [], "status": {}, "refusals": []}
    tokens = data["tokens"]
    with Servers() as servers:
        webs = servers.web(processes)
        cpu0 = sum(cpu_seconds(w.pid) for w in webs)
        elapsed = http.run_clients(
            webs,
            len(tokens),
            seconds,
            lambda web, i, deadline: http_cashier(web, tokens[i], data, deadline, out, seed=i),
        )
        cpu = sum(cpu_seconds(w.pid) for w in webs) - cpu0
    return {
        "web_cpu_ms_per_request": round(cpu * 1000 / max(1, len(out["latency"])), 2),
        "sales_per_s": out["status"].get(201, 0) / elapsed,
        "requests_per_s": len(out["latency"]) / elapsed,
        "p50_ms": ms(out["latency"], 0.50),
        "p99_ms": ms(out["latency"], 0.99),
        "status": out["status"],
        "refusals": out["refusals"],
    }


# -- phase 2: service API in several processes


def service_worker(data: dict, threads: int, seconds: float, seed: int) -> dict:
    """In a process of its own (bench.harness.load): ``threads`` cashiers selling until the deadline."""
    till = shops.Till(data)

    def call(rng: random.Random, n: int) -> dict | None:
        body = sale_body(rng, data)
        return till.sell(body["branch"], body["lines"], cashier=n, payment=body["payment_method"])[1]

    return load.threads(call, count=threads, seconds=seconds, seed=seed)


def service_phase(data: dict, processes: int, threads: int, seconds: float) -> dict:
    payloads = [[data, threads, seconds, p] for p in range(processes)]
    found = load.merged(load.processes("bench.sales:service_worker", payloads))
    return {
        "sales_per_s": found["done"] / seconds,
        "p50_ms": ms(found["latency"], 0.5),
        "p99_ms": ms(found["latency"], 0.99),
        "refusals": found["refusals"],
    }


# -- phase 3: reports over the season's lines


def report_phase(season: dict, requests: int) -> dict:
    today = datetime.date.today()
    month = today - datetime.timedelta(days=29)
    urls = {
        "day": f"/api/shops/reports/summary/?start={today}&end={today}",
        "day_branch": f"/api/shops/reports/summary/?start={today}&end={today}&branch={season['branch']}",
        "month": f"/api/shops/reports/summary/?start={month}&end={today}",
        "top": f"/api/shops/reports/top-products/?start={month}&end={today}",
    }
    results: dict = {}
    with Servers() as servers:
        web = servers.web(1, name="report")[0]
        for name, url in urls.items():
            timings, body = http.timed_gets(f"{web.url}{url}", season["token"], requests)
            results[name] = {"p50_ms": ms(timings, 0.5), "p99_ms": ms(timings, 0.99)}
            if name == "day":
                results["day_revenue"] = body["totals"][0]["revenue"] if body["totals"] else "0"
    return results


def pgbench_phase(data: dict, clients: int, seconds: float) -> dict:
    """The SQL of one sale of two lines over HTTP (a cashier's request, as a web process runs
    it), replayed by pgbench: what PostgreSQL alone sustains for it."""
    key = "pgreplay-sale"
    lines = [{"product": p, "quantity": 1} for p in data["products"][5:7]]  # plentiful ones
    body = {"branch": data["branches"][0], "payment_method": "cash", "lines": lines}
    inside, after = pgreplay.capture_http("/api/shops/sales/", data["tokens"][0], body, key=key)
    tps = pgreplay.replay(os.environ["DATABASE_URL"], inside, after, clients=clients, seconds=seconds, unique=(key,))
    return {"pgbench_sales_per_s": round(tps), "statements": len(inside) + len(after)}


def selling(data: dict, args: argparse.Namespace, report: Report) -> tuple[dict, dict, dict]:
    """Phases 1 and 2, and the drift check after them."""
    found = http_phase(data, args.seconds, args.web)
    print(
        f"http: {found['sales_per_s']:.0f} sales/s ({found['requests_per_s']:.0f} requests/s), "
        f"p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms, statuses {found['status']}, "
        f"web CPU {found['web_cpu_ms_per_request']} ms per request",
        flush=True,
    )
    service = service_phase(data, processes=2, threads=max(1, args.cashiers // 2), seconds=args.seconds)
    print(f"service API: {service['sales_per_s']:.0f} sales/s, p99 {service['p99_ms']} ms", flush=True)
    refusals = found["refusals"] + service["refusals"]
    check = {
        **stock.branch_anomalies(data["tenant"]),
        "rollup_mismatch": shops.rollup_mismatch(data["tenant"]),
        "unjustified_409": stock.unjustified(refusals),
    }
    print(f"anomalies: {check}, 409s checked: {len(refusals)}", flush=True)
    for name, count in check.items():
        report.check(f"{name} = 0", count == 0, count)
    report.check("some sales over HTTP", found["status"].get(201, 0) > 0, found["status"])
    report.check("no HTTP errors", set(found["status"]) <= {201, 409}, found["status"])
    report.check("some sales through the service API", service["sales_per_s"] > 0)
    return found, service, check


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--cashiers", full=10, smoke=4)
    parser.size("--seconds", full=10.0, smoke=2.0, type=float)
    parser.size("--web", full=2, smoke=1, help="web processes")
    parser.size("--lines", full=1_000_000, smoke=4_000, help="sale lines of the season the reports read")
    parser.size("--report-requests", full=200, smoke=10)
    args = parser.parse()
    environment.fresh()
    report = Report()
    data = shops.shop(args.cashiers)
    season = None
    if not args.fresh:  # the sales tables as a season of trade leaves them, before any sale is timed
        season = shops.season(args.lines)
        print(f"lived-in: {season['lines']} sale lines in {season['generate_s']:.1f} s", flush=True)
        livedin.build(data["tenant"], smoke=args.smoke)
    found, service, check = selling(data, args, report)
    season = season or shops.season(args.lines)
    reports = report_phase(season, args.report_requests)
    for name in ("day", "day_branch", "month", "top"):
        print(f"report {name}: p50 {reports[name]['p50_ms']} ms, p99 {reports[name]['p99_ms']} ms", flush=True)
    replayed = pgbench_phase(data, clients=args.cashiers, seconds=args.seconds)
    print("pgbench:", replayed, flush=True)
    report.add(
        http_sales_per_s=f"{found['sales_per_s']:.0f}",
        http_p50_ms=found["p50_ms"],
        http_p99_ms=found["p99_ms"],
        web_cpu_ms_per_sale=found["web_cpu_ms_per_request"],
        service_sales_per_s=f"{service['sales_per_s']:.0f}",
        service_p99_ms=service["p99_ms"],
        **check,
        report_lines=season["lines"],
        report_day_p99_ms=reports["day"]["p99_ms"],
        report_month_p99_ms=reports["month"]["p99_ms"],
        top_products_p99_ms=reports["top"]["p99_ms"],
        **replayed,
        http_of_pgbench=f"{found['sales_per_s'] / max(1, replayed['pgbench_sales_per_s']):.2f}",
        lived_in=not args.fresh,
    )
    report.emit(
        expect=[
            "http_sales_per_s",
            "web_cpu_ms_per_sale",
            "service_sales_per_s",
            "report_month_p99_ms",
            "statements",
            "http_of_pgbench",
        ]
    )


if __name__ == "__main__":
    main()
