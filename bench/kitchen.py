"""Kitchen benchmark on PostgreSQL (+ Redis): concurrent serving, live portions, monthly report.

Lived-in first (bench/livedin.py; ``--fresh`` skips it): the serving organization's products
carry --report-rows ledger rows of last month's servings, every topic stream is at its MAXLEN,
the firehose is full and the outbox holds a day of rows.

Phases:
  1. serves over HTTP: two `manage.py web` processes, N cooks (keep-alive clients) serving
     meals whose recipes overlap; one scarce ingredient makes some serves fail with 409.
     Then the anomaly check: ledger sum = balance, balances follow row by row, none negative,
     every 409 names a real shortage.
  2. serves through the service API: the same, with P processes x T threads calling
     `kitchen.services.serve` (no HTTP), to show what the domain itself sustains.
  3. portions: 500 meals x 30 ingredients; time of the after-commit recompute after one delivery.
  4. monthly report over those ledger rows.
  5. the database's own limit: the SQL of one serve, captured and replayed by pgbench from as
     many clients as there are cooks (bench/pgreplay.py); HTTP serves/s as a ratio of it.

Usage:  .venv/bin/python bench/kitchen.py [--cooks 20] [--seconds 10]
Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oqim_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench import livedin  # noqa: E402
from bench.keepalive import post, run_clients  # noqa: E402


def setup_django() -> None:
    import django

    django.setup()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare() -> None:
    url = os.environ["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    subprocess.run(["psql", server + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", server + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    setup_django()
    import redis
    from django.core.management import call_command

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    call_command("migrate", verbosity=0)


def kitchen_fixture(cooks: int, history_rows: int) -> dict:
    """A tenant with 12 shared ingredients, one scarce, 10 meals of 5 ingredients each, and
    ``history_rows`` ledger rows of last month behind them."""
    from core.auth import issue_tokens
    from core.models import Membership, Organization, User
    from core.roles import Role
    from domains.kitchen import services as kitchen
    from domains.stock import services as stock

    tenant = Organization.objects.create(slug="bench-kitchen", name="Bench kitchen")
    manager = User.objects.create(username="bench-manager")
    Membership.objects.create(tenant=tenant, user=manager, role=Role.MANAGER)
    products = [stock.product_create(tenant=tenant, name=f"ingredient-{i}", unit="g") for i in range(12)]
    scarce = stock.product_create(tenant=tenant, name="saffron", unit="g")
    if history_rows:
        ledger_history(tenant, products, history_rows, cook=manager)
    stock.delivery_create(
        tenant=tenant,
        delivered_on=__import__("datetime").date.today(),
        lines=[{"product": p, "quantity": Decimal(10**8)} for p in products] + [{"product": scarce, "quantity": 300}],
        actor=manager,
    )
    rng = random.Random(7)
    meals = []
    for m in range(10):
        chosen = rng.sample(products, 5) + ([scarce] if m == 0 else [])
        recipe = [{"product": p, "quantity": Decimal(rng.randint(5, 150))} for p in chosen]
        meals.append(kitchen.meal_create(tenant=tenant, name=f"meal-{m}", recipe=recipe))
    tokens = []
    for c in range(cooks):
        user = User.objects.create(username=f"bench-cook-{c}")
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.COOK)
        tokens.append(str(issue_tokens(membership=membership).access_token))
    return {"tenant": tenant.pk, "meals": [m.pk for m in meals], "tokens": tokens}


def anomalies(tenant_id: int, refusals: list[dict]) -> dict:
    """Ledger vs balances, row by row; every refusal must name a real shortage."""
    from django.db.models import Sum

    from domains.stock.models import Movement, Product

    drift = negative = broken_chain = 0
    for product in Product.objects.filter(tenant_id=tenant_id):
        running = Decimal(0)
        for quantity, after in (
            Movement.objects.filter(product=product).order_by("pk").values_list("quantity", "balance_after")
        ):
            running += quantity
            broken_chain += after != running
            negative += after < 0
        total = Movement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or 0
        drift += (product.on_hand != total) or (product.on_hand != running)
    return {
        "drift": drift,
        "negative": negative,
        "broken_chain": broken_chain,
        "unjustified_409": unjustified(refusals),
    }


def unjustified(refusals: list[dict]) -> int:
    """Refusals that are not a 409 ``insufficient_stock`` naming a real shortage."""
    return sum(
        1
        for body in refusals
        if body.get("error", {}).get("code") != "insufficient_stock"
        or any(Decimal(s["needed"]) <= Decimal(s["available"]) for s in body["error"]["shortages"])
    )


# -- phase 1: HTTP


async def http_cook(port: int, token: str, meals: list[int], deadline: float, out: dict, seed: int) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            path = f"/api/kitchen/meals/{rng.choice(meals)}/serve/"
            body = {"portions": rng.randint(1, 3)}
            status, payload = await post(reader, writer, path, token, body, key=f"bench-{seed}-{n}")
            out["latency"].append(time.perf_counter() - started)
            out["status"][status] = out["status"].get(status, 0) + 1
            if status == 409:
                out["refusals"].append(json.loads(payload))
    finally:
        writer.close()


def http_phase(fixture: dict, seconds: float) -> dict:
    out: dict = {"latency": [], "status": {}, "refusals": []}
    tokens = fixture["tokens"]
    elapsed = run_clients(
        2,
        len(tokens),
        seconds,
        lambda port, i, deadline: http_cook(port, tokens[i], fixture["meals"], deadline, out, seed=i),
    )
    served = out["status"].get(201, 0)
    return {
        "serves_per_s": served / elapsed,
        "requests_per_s": len(out["latency"]) / elapsed,
        "p50_ms": pct(out["latency"], 0.50) * 1000,
        "p99_ms": pct(out["latency"], 0.99) * 1000,
        "status": out["status"],
        "refusals": out["refusals"],
    }


# -- phase 2: service API in several processes


def service_worker(tenant_id: int, meals: list[int], threads: int, seconds: float, seed: int) -> None:
    setup_django()
    from django.db import connections

    from core.models import Membership
    from domains.kitchen import services as kitchen
    from domains.kitchen.models import Meal
    from domains.stock.services import InsufficientStock

    cooks = list(Membership.objects.filter(tenant_id=tenant_id, role="cook").select_related("user"))
    meal_rows = list(Meal.objects.filter(pk__in=meals))
    out = {"latency": [], "served": 0, "refusals": []}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(t: int) -> None:
        rng = random.Random(seed * 100 + t)
        cook = cooks[(seed * threads + t) % len(cooks)].user
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                kitchen.serve(meal=rng.choice(meal_rows), portions=rng.randint(1, 3), actor=cook)
                ok = True
            except InsufficientStock as exc:
                ok = False
                refusal = {"error": {"code": "insufficient_stock", "shortages": exc.extra["shortages"]}}
            with lock:
                out["latency"].append(time.perf_counter() - started)
                if ok:
                    out["served"] += 1
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
    started = time.perf_counter()
    results = fan_out(__file__, [[fixture["tenant"], fixture["meals"], threads, seconds, p] for p in range(processes)])
    elapsed = time.perf_counter() - started
    latency = [x for r in results for x in r["latency"]]
    return {
        "serves_per_s": sum(r["served"] for r in results) / seconds,
        "p50_ms": pct(latency, 0.5) * 1000,
        "p99_ms": pct(latency, 0.99) * 1000,
        "refusals": [x for r in results for x in r["refusals"]],
        "wall_s": elapsed,
    }


def fan_out(script: str, payloads: list[list]) -> list[dict]:
    """Run ``script --service-worker <payload>`` once per payload, all at once; each prints its
    result as JSON on its last line."""
    procs = [
        subprocess.Popen(
            [sys.executable, script, "--service-worker", json.dumps(payload)], stdout=subprocess.PIPE, text=True
        )
        for payload in payloads
    ]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


# -- phase 3: portions for 500 meals x 30 ingredients


def portions_phase() -> dict:
    import datetime

    from django.db import transaction

    from core.models import Organization, User
    from domains.kitchen import services as kitchen
    from domains.kitchen.models import Meal, RecipeItem
    from domains.stock import services as stock
    from domains.stock.models import Product

    tenant = Organization.objects.create(slug="bench-portions", name="Bench portions")
    actor = User.objects.create(username="bench-portions")
    products = Product.objects.bulk_create(
        [Product(tenant=tenant, name=f"p{i}", unit="g", on_hand=0) for i in range(30)]
    )
    meals = Meal.objects.bulk_create([Meal(tenant=tenant, name=f"m{i}") for i in range(500)])
    RecipeItem.objects.bulk_create(
        [
            RecipeItem(tenant=tenant, meal=m, product=p, quantity=Decimal(10 + (i % 7)))
            for m in meals
            for i, p in enumerate(products)
        ],
        batch_size=5000,
    )
    # Everything plentiful except p0, the bottleneck of every meal.
    with transaction.atomic():
        stock.apply_movements(
            tenant_id=tenant.pk,
            kind="delivery",
            changes=[stock.Change(product_id=p.pk, quantity=Decimal(10**7)) for p in products[1:]]
            + [stock.Change(product_id=products[0].pk, quantity=Decimal(1000))],
        )
    kitchen.refresh_portions(tenant_id=tenant.pk, meals=Meal.objects.filter(tenant=tenant))
    timings = []
    for _ in range(5):
        stock.delivery_create(
            tenant=tenant,
            delivered_on=datetime.date.today(),
            lines=[{"product": products[0], "quantity": Decimal(500)}],
            actor=actor,
        )
        stock.adjust(product=products[0], reason="waste", quantity=Decimal(-500), actor=actor)
        kitchen.refresh_requested_portions(tenant_id=tenant.pk)  # what those two asked for
        started = time.perf_counter()
        kitchen.refresh_portions(tenant_id=tenant.pk, meals=Meal.objects.filter(tenant=tenant))
        timings.append(time.perf_counter() - started)
    # one real delivery and the refresh job it schedules, end to end (the job's delay aside)
    started = time.perf_counter()
    stock.delivery_create(
        tenant=tenant,
        delivered_on=datetime.date.today(),
        lines=[{"product": products[0], "quantity": Decimal(700)}],
        actor=actor,
    )
    kitchen.refresh_requested_portions(tenant_id=tenant.pk)
    end_to_end = time.perf_counter() - started
    changed = Meal.objects.filter(tenant=tenant, portions_version__gt=1).count()
    return {
        "recompute_ms": statistics.median(timings) * 1000,
        "delivery_with_refresh_ms": end_to_end * 1000,
        "meals_changed": changed,
    }


# -- phase 4: monthly report over 100,000 ledger rows


def ledger_history(tenant, products: list, rows: int, *, cook) -> None:  # type: ignore[no-untyped-def]
    """Last month of one kitchen: a big delivery of each product, then servings of five-product
    meals, as ``rows`` ledger rows whose balances chain like the service's own."""
    import datetime

    from core.timezones import local_today
    from domains.kitchen import services as kitchen
    from domains.kitchen.models import Meal, RecipeItem, Serving
    from domains.stock.models import Movement, Product

    meals = Meal.objects.bulk_create([Meal(tenant=tenant, name=f"history-{i}") for i in range(10)])
    rng = random.Random(3)
    recipes = {m.pk: rng.sample(products, 5) for m in meals}
    RecipeItem.objects.bulk_create(
        [RecipeItem(tenant=tenant, meal=m, product=p, quantity=Decimal(50)) for m in meals for p in recipes[m.pk]]
    )
    month = (local_today(tenant).replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    start, end = kitchen.month_bounds(tenant, month)
    balance = {p.pk: Decimal(0) for p in products}
    movements = []
    at = start + datetime.timedelta(minutes=1)
    step = (end - start - datetime.timedelta(minutes=2)) / (rows // 5)
    for p in products:  # a big delivery first
        balance[p.pk] += 10**9
        movements.append(
            Movement(
                tenant=tenant, product=p, kind="delivery", quantity=10**9, balance_after=balance[p.pk], created_at=at
            )
        )
    servings = []
    while len(movements) + 5 * len(servings) < rows:
        meal = rng.choice(meals)
        servings.append(Serving(tenant=tenant, meal=meal, portions=2, served_by=cook, served_at=at))
        at += step
    Serving.objects.bulk_create(servings, batch_size=5000)
    for serving in servings:
        for p in recipes[serving.meal_id]:
            balance[p.pk] -= 100
            movements.append(
                Movement(
                    tenant=tenant,
                    product=p,
                    kind="serving",
                    quantity=-100,
                    balance_after=balance[p.pk],
                    source_type="serving",
                    source_id=serving.pk,
                    created_at=serving.served_at,
                )
            )
    Movement.objects.bulk_create(movements, batch_size=5000)
    for p in products:
        Product.objects.filter(pk=p.pk).update(on_hand=balance[p.pk])
        p.on_hand = balance[p.pk]


def report_phase(tenant_id: int) -> dict:
    import datetime

    from django.utils import timezone

    from core.models import Organization
    from core.timezones import local_today
    from domains.kitchen import services as kitchen
    from domains.stock.models import Movement

    tenant = Organization.objects.get(pk=tenant_id)
    month = (local_today(tenant).replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    total = Movement.objects.filter(tenant=tenant).count()
    started = time.perf_counter()
    report = kitchen.build_variance_report(tenant=tenant, month=month, now=timezone.now())
    return {"report_rows": total, "report_ms": (time.perf_counter() - started) * 1000, "report_served": report.served}


def pgbench_phase(fixture: dict, clients: int, seconds: float) -> dict:
    """One serve's SQL, replayed by pgbench: what PostgreSQL alone sustains for it."""
    from bench import pgreplay
    from core.models import Membership
    from domains.kitchen import services as kitchen
    from domains.kitchen.models import Meal

    cook = Membership.objects.filter(tenant_id=fixture["tenant"], role="cook").select_related("user").first().user
    meal = Meal.objects.get(pk=fixture["meals"][1])  # one without the scarce ingredient
    key = "pgreplay-serve"
    inside, after = pgreplay.capture(lambda: kitchen.serve(meal=meal, portions=1, actor=cook, idempotency_key=key))
    tps = pgreplay.replay(
        os.environ["DATABASE_URL"],
        inside,
        after,
        clients=clients,
        seconds=seconds,
        unique=(key,),
    )
    return {"pgbench_serves_per_s": round(tps), "statements": len(inside) + len(after)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cooks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--report-rows", type=int, default=100_000)
    parser.add_argument("--service-worker")
    livedin.add_arguments(parser)
    args = parser.parse_args()
    if args.service_worker:
        service_worker(*json.loads(args.service_worker))
        return

    prepare()
    fixture = kitchen_fixture(args.cooks, 0 if args.fresh else args.report_rows)
    if not args.fresh:
        print("lived-in:", livedin.redis_history(fixture["tenant"]), flush=True)
        livedin.outbox_history(fixture["tenant"])
        livedin.analyze()
    http = http_phase(fixture, args.seconds)
    print(
        f"http: {http['serves_per_s']:.0f} serves/s ({http['requests_per_s']:.0f} requests/s), "
        f"p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms, statuses {http['status']}"
    )
    service = service_phase(fixture, processes=4, threads=max(1, args.cooks // 4), seconds=args.seconds)
    print(
        f"service API: {service['serves_per_s']:.0f} serves/s, "
        f"p50 {service['p50_ms']:.1f} ms, p99 {service['p99_ms']:.1f} ms"
    )
    check = anomalies(fixture["tenant"], http["refusals"] + service["refusals"])
    print(f"anomalies: {check}, 409s checked: {len(http['refusals']) + len(service['refusals'])}")
    portions = portions_phase()
    print(
        f"portions: 500 meals x 30 ingredients recomputed in {portions['recompute_ms']:.1f} ms; "
        f"delivery + refresh {portions['delivery_with_refresh_ms']:.1f} ms, {portions['meals_changed']} meals changed"
    )
    report = report_phase(fixture["tenant"])
    print(f"monthly report over {report['report_rows']} ledger rows: {report['report_ms']:.0f} ms")
    replayed = pgbench_phase(fixture, clients=args.cooks, seconds=args.seconds)
    print(f"pgbench: {replayed}")
    fields = {
        "http_serves_per_s": f"{http['serves_per_s']:.0f}",
        "http_p50_ms": f"{http['p50_ms']:.1f}",
        "http_p99_ms": f"{http['p99_ms']:.1f}",
        "service_serves_per_s": f"{service['serves_per_s']:.0f}",
        "service_p50_ms": f"{service['p50_ms']:.1f}",
        "service_p99_ms": f"{service['p99_ms']:.1f}",
        "refused_409": len(http["refusals"]) + len(service["refusals"]),
        **check,
        "portions_recompute_ms": f"{portions['recompute_ms']:.1f}",
        "delivery_with_refresh_ms": f"{portions['delivery_with_refresh_ms']:.1f}",
        "report_rows": report["report_rows"],
        "report_ms": f"{report['report_ms']:.0f}",
        **replayed,
        "http_of_pgbench": f"{http['serves_per_s'] / max(1, replayed['pgbench_serves_per_s']):.2f}",
        "lived_in": not args.fresh,
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    main()
