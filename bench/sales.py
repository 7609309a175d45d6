"""Shop benchmark on PostgreSQL (+ Redis): concurrent cashiers, ledger drift, reports at 1M lines.

Phases:
  1. sales over HTTP: W `manage.py web` processes (--web, 2 by default), C cashiers (keep-alive clients) at 3 branches
     selling 1-3 lines each from 20 shared products; a few products run short, so some sales are
     refused whole with 409.
  2. sales through the service API: P processes x T threads calling `shops.services.sale_record`
     (no HTTP), to show what the domain itself sustains.
     After both: drift check. Every branch balance = the sum of its ledger rows and its rows chain
     (balance_after follows row by row), none negative, the daily rollup = the raw sale lines, and
     every 409 names a real shortage.
  3. reports: 1,000,000 generated sale lines (90 days, 3 branches, 200 products) plus their rollup,
     then GET /api/shops/reports/summary/ for one day and for 30 days, and top-products, over HTTP.

Usage:  .venv/bin/python bench/sales.py [--cashiers 10] [--seconds 10] [--web 2] [--lines 1000000]
Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oqim_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Tokens are issued here, once: they must outlive the whole run (the default is 5 minutes).
os.environ.setdefault("JWT_ACCESS_TTL_SECONDS", "7200")

from bench import livedin  # noqa: E402
from bench.keepalive import post, run_clients  # noqa: E402
from bench.kitchen import fan_out, pct, prepare, setup_django, unjustified  # noqa: E402
from bench.realtime import start_web  # noqa: E402

PLENTY = 10**7
SCARCE = 60  # of each of the 3 scarce products per branch: they run out during the run


def shop_fixture(cashiers: int) -> dict:
    """A tenant with 3 branches stocking 20 shared products (3 of them scarce), and the cashiers."""
    import datetime

    from core.auth import issue_tokens
    from core.models import Membership, Organization, User
    from core.roles import Role
    from domains.shops import services as shops
    from domains.stock import services as stock

    tenant = Organization.objects.create(slug="bench-shop", name="Bench shop")
    owner = User.objects.create(username="bench-owner")
    Membership.objects.create(tenant=tenant, user=owner, role=Role.ADMIN)
    store = shops.store_create(tenant=tenant, name="Bench store")
    branches = [shops.branch_create(tenant=tenant, store=store, name=f"branch-{b}") for b in range(3)]
    products = [
        stock.product_create(
            tenant=tenant,
            name=f"item-{i}",
            unit="pcs",
            sku=f"SKU-{i}",
            sale_price=Decimal(f"{1 + i % 9}.{i % 100:02d}"),
            cost_price=Decimal(f"{i % 9}.50"),
        )
        for i in range(20)
    ]
    for branch in branches:
        stock.delivery_create(
            tenant=tenant,
            branch=branch,
            delivered_on=datetime.date.today(),
            lines=[{"product": p, "quantity": Decimal(SCARCE if i < 3 else PLENTY)} for i, p in enumerate(products)],
            actor=owner,
        )
    tokens = []
    for c in range(cashiers):
        user = User.objects.create(username=f"bench-cashier-{c}")
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.CASHIER)
        for branch in branches:  # every cashier may sell at every branch: they share products
            shops.staff_assign(branch=branch, user=user, role="cashier", actor=owner)
        tokens.append(str(issue_tokens(membership=membership).access_token))
    owner_membership = Membership.objects.get(user=owner)
    return {
        "tenant": tenant.pk,
        "branches": [b.pk for b in branches],
        "products": [p.pk for p in products],
        "tokens": tokens,
        "owner_token": str(issue_tokens(membership=owner_membership).access_token),
    }


def sale_body(rng: random.Random, fixture: dict) -> dict:
    chosen = rng.sample(fixture["products"], rng.randint(1, 3))
    return {
        "branch": rng.choice(fixture["branches"]),
        "payment_method": rng.choice(["cash", "card", "transfer"]),
        "lines": [
            {"product": p, "quantity": rng.randint(1, 3), "discount_percent": rng.choice(["0", "0", "5"])}
            for p in chosen
        ],
    }


# -- phase 1: HTTP


async def http_cashier(port: int, token: str, fixture: dict, deadline: float, out: dict, seed: int) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            body = sale_body(rng, fixture)
            status, payload = await post(reader, writer, "/api/shops/sales/", token, body, key=f"bench-{seed}-{n}")
            out["latency"].append(time.perf_counter() - started)
            out["status"][status] = out["status"].get(status, 0) + 1
            if status == 409:
                out["refusals"].append(json.loads(payload))
    finally:
        writer.close()


def http_phase(fixture: dict, seconds: float, processes: int) -> dict:
    out: dict = {"latency": [], "status": {}, "refusals": []}
    tokens = fixture["tokens"]
    elapsed = run_clients(
        processes,
        len(tokens),
        seconds,
        lambda port, i, deadline: http_cashier(port, tokens[i], fixture, deadline, out, seed=i),
    )
    return {
        "sales_per_s": out["status"].get(201, 0) / elapsed,
        "requests_per_s": len(out["latency"]) / elapsed,
        "p50_ms": pct(out["latency"], 0.50) * 1000,
        "p99_ms": pct(out["latency"], 0.99) * 1000,
        "status": out["status"],
        "refusals": out["refusals"],
    }


# -- phase 2: service API in several processes


def service_worker(fixture: dict, threads: int, seconds: float, seed: int) -> None:
    setup_django()
    from django.db import connections

    from core.models import Organization, User
    from domains.shops import services as shops
    from domains.shops.models import Branch
    from domains.stock.models import Product
    from domains.stock.services import InsufficientStock

    tenant = Organization.objects.get(pk=fixture["tenant"])
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=fixture["branches"])}
    products = {p.pk: p for p in Product.objects.filter(pk__in=fixture["products"])}
    cashiers = list(User.objects.filter(username__startswith="bench-cashier-").order_by("pk"))
    out: dict = {"latency": [], "sold": 0, "refusals": []}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(t: int) -> None:
        rng = random.Random(seed * 100 + t)
        cashier = cashiers[(seed * threads + t) % len(cashiers)]
        while time.perf_counter() < deadline:
            body = sale_body(rng, fixture)
            lines = [
                {
                    "product": products[x["product"]],
                    "quantity": Decimal(x["quantity"]),
                    "discount_percent": Decimal(x["discount_percent"]),
                }
                for x in body["lines"]
            ]
            started = time.perf_counter()
            refusal = None
            try:
                shops.sale_record(
                    tenant=tenant,
                    branch=branches[body["branch"]],
                    actor=cashier,
                    lines=lines,
                    payment_method=body["payment_method"],
                )
            except InsufficientStock as exc:
                refusal = {"error": {"code": "insufficient_stock", "shortages": exc.extra["shortages"]}}
            with lock:
                out["latency"].append(time.perf_counter() - started)
                if refusal is None:
                    out["sold"] += 1
                else:
                    out["refusals"].append(refusal)
        connections.close_all()

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps(out))


def service_phase(fixture: dict, processes: int, threads: int, seconds: float) -> dict:
    results = fan_out(__file__, [[fixture, threads, seconds, p] for p in range(processes)])
    latency = [x for r in results for x in r["latency"]]
    return {
        "sales_per_s": sum(r["sold"] for r in results) / seconds,
        "p50_ms": pct(latency, 0.5) * 1000,
        "p99_ms": pct(latency, 0.99) * 1000,
        "refusals": [x for r in results for x in r["refusals"]],
    }


def anomalies(tenant_id: int, refusals: list[dict]) -> dict:
    """Branch balances vs the ledger, row by row; the rollup vs the raw lines; every 409 justified."""
    from django.db.models import Sum

    from domains.shops.models import DailySales, SaleLine
    from domains.stock.models import BranchStock, Movement

    drift = negative = broken_chain = 0
    for row in BranchStock.objects.filter(tenant_id=tenant_id):
        running = Decimal(0)
        ledger = Movement.objects.filter(product_id=row.product_id, branch_id=row.branch_id).order_by("pk")
        for quantity, after in ledger.values_list("quantity", "balance_after"):
            running += quantity
            broken_chain += after != running
            negative += after < 0
        drift += row.on_hand != running
    rollup = DailySales.objects.filter(tenant_id=tenant_id).aggregate(q=Sum("quantity"), r=Sum("revenue"))
    raw = SaleLine.objects.filter(tenant_id=tenant_id).aggregate(q=Sum("quantity"), r=Sum("total"))
    return {
        "drift": drift,
        "negative": negative,
        "broken_chain": broken_chain,
        "rollup_mismatch": int((rollup["q"], rollup["r"]) != (raw["q"], raw["r"])),
        "unjustified_409": unjustified(refusals),
    }


# -- phase 3: reports over 1,000,000 sale lines


def generate_lines(lines: int) -> dict:
    """Sales of 4 lines each over 90 days at 3 branches from 200 products, written in SQL, and
    their rollup built the way the sales build it (net per branch, day and product)."""
    from django.db import connection

    from core.auth import issue_tokens
    from core.models import Membership, Organization, User
    from domains.shops.models import Branch, Store
    from domains.stock.models import Product

    tenant = Organization.objects.create(slug="bench-report", name="Bench report")
    owner = User.objects.create(username="bench-report-owner")
    membership = Membership.objects.create(tenant=tenant, user=owner, role="admin")
    store = Store.objects.create(tenant=tenant, name="Report store")
    branches = [Branch.objects.create(tenant=tenant, store=store, name=f"rb-{b}") for b in range(3)]
    products = Product.objects.bulk_create(
        [
            Product(tenant=tenant, name=f"rp-{i}", unit="pcs", sku=f"R-{i}", sale_price=Decimal("2.50"), cost_price=1)
            for i in range(200)
        ]
    )
    sales = lines // 4
    p0, b0 = products[0].pk, branches[0].pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO shops_sale (tenant_id, branch_id, cashier_id, payment_method, currency, subtotal,
                discount_total, total, cost_total, refunded_total, customer_name, customer_phone, note,
                business_day, created_at)
            SELECT %s, %s + (n %% 3), %s, 'cash', 'USD', 10, 0, 10, 4, 0, '', '', '',
                   current_date - (n %% 90), now() - ((n %% 90) || ' days')::interval
            FROM generate_series(1, %s) AS n
            """,
            [tenant.pk, b0, owner.pk, sales],
        )
        cursor.execute(
            """
            INSERT INTO shops_saleline (tenant_id, sale_id, product_id, quantity, unit_price, discount_percent,
                total, unit_cost, cost_total, returned_quantity)
            SELECT s.tenant_id, s.id, %s + ((s.id * 7 + k * 13) %% 200), 1, 2.50, 0, 2.50, 1, 1, 0
            FROM shops_sale s CROSS JOIN generate_series(1, 4) AS k
            WHERE s.tenant_id = %s
            """,
            [p0, tenant.pk],
        )
        cursor.execute(
            """
            INSERT INTO shops_dailysales (tenant_id, branch_id, day, product_id, currency, quantity, revenue, cost,
                discount)
            SELECT s.tenant_id, s.branch_id, s.business_day, l.product_id, s.currency, sum(l.quantity),
                   sum(l.total), sum(l.cost_total), 0
            FROM shops_saleline l JOIN shops_sale s ON s.id = l.sale_id
            WHERE s.tenant_id = %s
            GROUP BY s.tenant_id, s.branch_id, s.business_day, l.product_id, s.currency
            """,
            [tenant.pk],
        )
        cursor.execute("ANALYZE shops_sale; ANALYZE shops_saleline; ANALYZE shops_dailysales")
        cursor.execute("SELECT count(*) FROM shops_saleline WHERE tenant_id = %s", [tenant.pk])
        (count,) = cursor.fetchone()
    return {
        "lines": count,
        "generate_s": time.perf_counter() - started,
        "token": str(issue_tokens(membership=membership).access_token),
        "branch": b0,
    }


def report_phase(data: dict, requests: int) -> dict:
    import datetime

    today = datetime.date.today()
    urls = {
        "day": f"/api/shops/reports/summary/?start={today}&end={today}",
        "day_branch": f"/api/shops/reports/summary/?start={today}&end={today}&branch={data['branch']}",
        "month": f"/api/shops/reports/summary/?start={today - datetime.timedelta(days=29)}&end={today}",
        "top": f"/api/shops/reports/top-products/?start={today - datetime.timedelta(days=29)}&end={today}",
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        process, port = start_web(Path(tmp) / "report")
        try:
            for name, url in urls.items():
                timings = []
                for _ in range(requests):
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{port}{url}", headers={"Authorization": f"Bearer {data['token']}"}
                    )
                    started = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        body = json.loads(answer.read())
                    timings.append(time.perf_counter() - started)
                results[name] = {"p50_ms": pct(timings, 0.5) * 1000, "p99_ms": pct(timings, 0.99) * 1000}
                if name == "day":
                    results["day_revenue"] = body["totals"][0]["revenue"] if body["totals"] else "0"
        finally:
            process.terminate()
            process.wait(15)
    return results


def pgbench_phase(fixture: dict, clients: int, seconds: float) -> dict:
    """One sale's SQL, replayed by pgbench: what PostgreSQL alone sustains for it."""
    from bench import pgreplay
    from core.models import Membership, Organization
    from domains.shops import services as shops
    from domains.shops.models import Branch
    from domains.stock.models import Product

    tenant = Organization.objects.get(pk=fixture["tenant"])
    cashier = Membership.objects.filter(tenant=tenant, role="cashier").select_related("user").first().user
    branch = Branch.objects.get(pk=fixture["branches"][0])
    products = list(Product.objects.filter(pk__in=fixture["products"][5:7]))  # plentiful ones
    key = "pgreplay-sale"
    inside, after = pgreplay.capture(
        lambda: shops.sale_record(
            tenant=tenant,
            branch=branch,
            actor=cashier,
            lines=[{"product": p, "quantity": 1} for p in products],
            payment_method="cash",
            idempotency_key=key,
        )
    )
    tps = pgreplay.replay(os.environ["DATABASE_URL"], inside, after, clients=clients, seconds=seconds, unique=(key,))
    return {"pgbench_sales_per_s": round(tps), "statements": len(inside) + len(after)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cashiers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--web", type=int, default=2, help="web processes (each runs sync views on one thread)")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--report-requests", type=int, default=200)
    parser.add_argument("--service-worker")
    livedin.add_arguments(parser)
    args = parser.parse_args()
    if args.service_worker:
        service_worker(*json.loads(args.service_worker))
        return

    prepare()
    fixture = shop_fixture(args.cashiers)
    data = None
    if not args.fresh:  # the sales tables as a season of trade leaves them, before any sale is timed
        data = generate_lines(args.lines)
        print(f"lived-in: generated {data['lines']} sale lines in {data['generate_s']:.1f} s", flush=True)
        print("lived-in:", livedin.redis_history(fixture["tenant"]), flush=True)
        livedin.outbox_history(fixture["tenant"])
        livedin.analyze()
    http = http_phase(fixture, args.seconds, args.web)
    print(
        f"http: {http['sales_per_s']:.0f} sales/s ({http['requests_per_s']:.0f} requests/s), "
        f"p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms, statuses {http['status']}"
    )
    service = service_phase(fixture, processes=2, threads=max(1, args.cashiers // 2), seconds=args.seconds)
    print(
        f"service API: {service['sales_per_s']:.0f} sales/s, "
        f"p50 {service['p50_ms']:.1f} ms, p99 {service['p99_ms']:.1f} ms"
    )
    check = anomalies(fixture["tenant"], http["refusals"] + service["refusals"])
    print(f"anomalies: {check}, 409s checked: {len(http['refusals']) + len(service['refusals'])}")
    if data is None:
        data = generate_lines(args.lines)
        print(f"generated {data['lines']} sale lines in {data['generate_s']:.1f} s")
    report = report_phase(data, args.report_requests)
    replayed = pgbench_phase(fixture, clients=args.cashiers, seconds=args.seconds)
    print(f"pgbench: {replayed}")
    for name in ("day", "day_branch", "month", "top"):
        print(f"report {name}: p50 {report[name]['p50_ms']:.1f} ms, p99 {report[name]['p99_ms']:.1f} ms")
    figures = {
        "http_sales_per_s": f"{http['sales_per_s']:.0f}",
        "http_p50_ms": f"{http['p50_ms']:.1f}",
        "http_p99_ms": f"{http['p99_ms']:.1f}",
        "service_sales_per_s": f"{service['sales_per_s']:.0f}",
        "service_p99_ms": f"{service['p99_ms']:.1f}",
        "drift": check["drift"],
        "negative": check["negative"],
        "broken_chain": check["broken_chain"],
        "rollup_mismatch": check["rollup_mismatch"],
        "unjustified_409": check["unjustified_409"],
        "report_lines": data["lines"],
        "report_day_p99_ms": f"{report['day']['p99_ms']:.1f}",
        "report_month_p99_ms": f"{report['month']['p99_ms']:.1f}",
        "top_products_p99_ms": f"{report['top']['p99_ms']:.1f}",
        **replayed,
        "http_of_pgbench": f"{http['sales_per_s'] / max(1, replayed['pgbench_sales_per_s']):.2f}",
        "lived_in": not args.fresh,
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
