"""Breadcrumbs benchmark: agents' phones and managers' dashboards on real WebSockets, two web
processes over PostgreSQL + Redis; then tracks among 50 million stored points.

    .venv/bin/python bench/locations.py [--agents 1000] [--rate 2000] [--batch 10] [--seconds 20]
                                        [--dashboards 5] [--history 50000000] [--clients 70000]

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; defaults to the local services
(postgres://postgres@127.0.0.1:5432/oqim_bench, redis://127.0.0.1:6379/14, both wiped).

- ingest: --agents sockets send --rate points/s in all, each agent one ``location`` frame of
  --batch points per --batch*agents/rate seconds; --dashboards managers' sockets subscribed to
  ``agents.locations``. Accepted points/s, acked-after-durable p50/p99 (send → ``location_ack``),
  ingest-to-dashboard p50/p99 (send → the event carrying the point), points persisted vs sent,
  points every dashboard received, web CPU and memory.
- tracks: --history generated points (daily partitions, 500 agents, 2,500 fixes an agent-day),
  then one agent-day's track (``selectors.track``, as the API answers it) for random agents
  and days, and the last position of every agent in one call.
- clients: --clients generated clients; a list page and searches through the REST stack.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oqim_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

from bench.realtime import cpu_seconds, percentile, prepare, rss_kb, start_web  # noqa: E402


def members(tenant, role: str, count: int) -> list:  # type: ignore[no-untyped-def]
    """``count`` new members (no password hashing: the bench signs them in with tokens)."""
    from core.models import Membership, User

    tag = f"{role}-{time.monotonic_ns()}"
    users = User.objects.bulk_create(User(username=f"bench-{tag}-{n}", password="!") for n in range(count))
    return Membership.objects.bulk_create(Membership(tenant=tenant, user=u, role=role) for u in users)


def ms(values: list[float], p: float) -> float:
    return round(percentile([v * 1000 for v in values], p), 1)


# -- client side (child processes: the phones in one, the dashboards in another)


async def _socket(port: int, token: str):  # type: ignore[no-untyped-def]
    import websockets

    ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/", max_queue=None, ping_interval=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv())["type"] == "welcome"
    return ws


async def phones(ports: list[int], tokens: list[str], rate: int, batch: int, seconds: float, out: Path) -> None:
    sockets = []
    for start in range(0, len(tokens), 100):
        sockets += await asyncio.gather(
            *(_socket(ports[i % len(ports)], tokens[i]) for i in range(start, min(start + 100, len(tokens))))
        )
    period = batch * len(tokens) / rate  # seconds between one agent's frames
    acks: list[float] = []
    sent = acked = 0
    print("ready", flush=True)
    sys.stdin.readline()  # go
    began = time.time()

    async def phone(n: int, ws) -> None:  # type: ignore[no-untyped-def]
        nonlocal sent, acked
        pending: dict[int, float] = {}

        async def read() -> None:
            nonlocal acked
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "location_ack":
                    acks.append(time.time() - pending.pop(frame["ref"]))
                    acked += frame["stored"] + frame["duplicates"]
                elif frame["type"] == "ping":
                    await ws.send('{"type":"pong"}')
                elif frame["type"] == "error":
                    print("error", frame, file=sys.stderr, flush=True)

        reader = asyncio.create_task(read())
        first = began + period * n / len(tokens)  # spread the agents over the period
        frame_no = 0
        lat = 41.2 + n * 0.001
        while True:
            at = first + frame_no * period
            if at - began >= seconds:
                break
            await asyncio.sleep(max(0.0, at - time.time()))
            now = time.time()
            points = [
                {
                    "id": f"{n}-{frame_no}-{i}",
                    # the newest point is stamped with the send time: dashboards measure from it
                    "recorded_at": datetime.fromtimestamp(now - (batch - 1 - i) * period / batch, UTC).isoformat(),
                    "lat": lat + (frame_no * batch + i) * 0.00002,
                    "lon": 69.25,
                    "accuracy": 5.0,
                    "speed": 1.5,
                    "battery": 80,
                }
                for i in range(batch)
            ]
            pending[frame_no] = now
            await ws.send(json.dumps({"type": "location", "ref": frame_no, "points": points}))
            sent += batch
            frame_no += 1
        for _ in range(100):  # wait for the last acks
            if not pending:
                break
            await asyncio.sleep(0.1)
        reader.cancel()

    await asyncio.gather(*(phone(n, ws) for n, ws in enumerate(sockets)))
    elapsed = time.time() - began
    out.write_text(json.dumps({"sent": sent, "acked": acked, "acks": acks, "elapsed": elapsed}))


async def dashboards(ports: list[int], tokens: list[str], out: Path) -> None:
    sockets = [await _socket(ports[i % len(ports)], t) for i, t in enumerate(tokens)]
    for ws in sockets:
        await ws.send(json.dumps({"type": "subscribe", "topic": "agents.locations"}))
    latencies: list[float] = []
    received = [0] * len(sockets)

    closed: list = []

    async def watch(k: int, ws) -> None:  # type: ignore[no-untyped-def]
        try:
            await read(k, ws)
        except Exception as exc:  # report, never hide, a reader's failure
            print("dashboard failed:", repr(exc), file=sys.stderr, flush=True)
        finally:
            closed.append(ws.close_code)

    async def read(k: int, ws) -> None:  # type: ignore[no-untyped-def]
        async for raw in ws:
            if raw.startswith('{"type":"event"'):
                data = json.loads(raw)["event"]["data"]
                if "trail" in data:
                    newest = datetime.fromisoformat(data["trail"][-1][0]).timestamp()
                    latencies.append(time.time() - newest)
                    received[k] += data["points"]
            elif '"ping"' in raw:
                await ws.send('{"type":"pong"}')
            elif raw.startswith('{"type":"error"'):
                print("dashboard error frame:", raw[:300], file=sys.stderr, flush=True)

    tasks = [asyncio.create_task(watch(k, ws)) for k, ws in enumerate(sockets)]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # stop
    for task in tasks:
        task.cancel()
    out.write_text(json.dumps({"received": received, "latencies": latencies, "closed": closed}))


def spawn(kind: str, **options: object) -> subprocess.Popen:
    argv = [sys.executable, __file__, "--client", kind]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"{kind} client failed to start")
    return process


# -- the phases


def ingest(tenant, args: argparse.Namespace, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    from core.auth import issue_tokens
    from core.roles import Role
    from domains.locations.models import LocationPoint

    agents = members(tenant, Role.AGENT, args.agents)
    managers = members(tenant, Role.MANAGER, args.dashboards)
    token = {m.pk: str(issue_tokens(membership=m).access_token) for m in [*agents, *managers]}
    webs, ports = zip(*(start_web(tmp / f"web{i}") for i in range(2)), strict=True)
    ports_arg = ",".join(map(str, ports))
    try:
        (tmp / "agents.json").write_text(json.dumps([token[a.pk] for a in agents]))
        (tmp / "managers.json").write_text(json.dumps([token[m.pk] for m in managers]))
        watch = spawn("dashboards", ports=ports_arg, tokens=tmp / "managers.json", out=tmp / "dash.json")
        send = spawn(
            "phones",
            ports=ports_arg,
            tokens=tmp / "agents.json",
            rate=args.rate,
            batch=args.batch,
            seconds=args.seconds,
            out=tmp / "phones.json",
        )
        time.sleep(1)
        cpu0, began = sum(cpu_seconds(w.pid) for w in webs), time.monotonic()
        send.stdin.write("go\n")
        send.stdin.flush()
        send.wait(args.seconds + 120)
        elapsed = time.monotonic() - began
        cpu = sum(cpu_seconds(w.pid) for w in webs) - cpu0
        rss = [rss_kb(w.pid) // 1024 for w in webs]
        time.sleep(2)  # the last events reach the dashboards
        watch.stdin.write("stop\n")
        watch.stdin.flush()
        watch.wait(60)
    finally:
        for web in webs:
            web.terminate()
            web.wait(20)
    sent = json.loads((tmp / "phones.json").read_text())
    seen = json.loads((tmp / "dash.json").read_text())
    persisted = LocationPoint.objects.filter(tenant=tenant).count()
    return {
        "agents": args.agents,
        "target_rate": args.rate,
        "sent": sent["sent"],
        "acked": sent["acked"],
        "persisted": persisted,
        "accepted_per_s": round(sent["acked"] / sent["elapsed"]),
        "ack_p50_ms": ms(sent["acks"], 0.5),
        "ack_p99_ms": ms(sent["acks"], 0.99),
        "dashboard_p50_ms": ms(seen["latencies"], 0.5),
        "dashboard_p99_ms": ms(seen["latencies"], 0.99),
        "dashboard_points_min": min(seen["received"]),
        "dashboards_closed": len([c for c in seen["closed"] if c is not None]),
        "web_cpu_pct": round(cpu / elapsed * 100),
        "web_rss_mb": "+".join(map(str, rss)),
    }


def tracks(tenant, total: int, samples: int = 200, reuse: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """Generate ``total`` points for 500 agents, 2,500 a day each, in daily partitions; time
    one agent-day's track and every agent's last position."""
    from django.db import connection

    from core.models import Membership
    from core.roles import Role
    from domains.locations import partitions

    agents = 500
    per_day = 2500
    days = max(1, total // (agents * per_day))
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days + 1)
    if reuse:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT agent_id FROM {partitions.name_for(first)}")
            ids = [row[0] for row in cursor.fetchall()]
    else:
        have = list(
            Membership.objects.filter(tenant=tenant, role=Role.AGENT).order_by("pk").values_list("user_id", flat=True)
        )
        have += [m.user_id for m in members(tenant, Role.AGENT, max(0, agents - len(have)))]
        ids = have[:agents]
        partitions.ensure(first + timedelta(days=d) for d in range(days))
    began = time.monotonic()
    with connection.cursor() as cursor:
        if reuse:
            days = 0  # nothing to generate
        cursor.execute("CREATE TEMP TABLE bench_agents (n int, id bigint)")
        cursor.executemany("INSERT INTO bench_agents VALUES (%s, %s)", list(enumerate(ids)))
        for d in range(days):
            day = first + timedelta(days=d)
            # 2,500 fixes between 08:00 and 16:20 UTC, one every 12 s, a slow random walk
            cursor.execute(
                """
                INSERT INTO locations_locationpoint
                    (tenant_id, agent_id, recorded_at, received_at, lat, lon, accuracy, speed, heading,
                     battery, client_id, filtered, source)
                SELECT %s, a.id, ts, ts, 41.2 + a.n * 0.0004 + s * 0.00001, 69.2 + sin(s / 50.0) * 0.01,
                       5, 1.4, 0, 80, '', '', 'upload'
                FROM bench_agents a,
                     generate_series(0, %s - 1) AS s,
                     LATERAL (SELECT %s::timestamptz + make_interval(secs => s * 12)) AS t(ts)
                """,
                [tenant.pk, per_day, f"{day.isoformat()} 08:00:00+00"],
            )
        cursor.execute("ANALYZE locations_locationpoint")
        cursor.execute("SELECT count(*) FROM locations_locationpoint WHERE tenant_id = %s", [tenant.pk])
        stored = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits"
            " WHERE inhparent = 'locations_locationpoint'::regclass"
        )
        size = cursor.fetchone()[0]
        if not reuse:
            cursor.execute("VACUUM ANALYZE locations_locationpoint")  # sets the visibility map, as autovacuum would
    generated_s = time.monotonic() - began
    days = max(1, total // (agents * per_day))
    measured = {"fresh": _time_tracks(tenant, ids, first, days, samples)}
    began = time.monotonic()
    clustered_days = 0
    while done := partitions.cluster_before(today, limit=50):  # what locations.maintain does, hourly
        clustered_days += len(done)
    clustered_s = time.monotonic() - began
    measured["clustered"] = _time_tracks(tenant, ids, first, days, samples)
    return {
        "history_points": stored,
        "history_days": days,
        "history_size": size.replace(" ", ""),
        "generated_s": round(generated_s),
        "clustered_s": round(clustered_s),
        "clustered_days": clustered_days,
        **{f"{k}_{name}": v for name, found in measured.items() for k, v in found.items()},
    }


def _time_tracks(tenant, ids: list[int], first, days: int, samples: int) -> dict:  # type: ignore[no-untyped-def]
    from domains.locations import selectors

    rng = random.Random(7)
    timings, counts = [], []
    for _ in range(samples):
        day = first + timedelta(days=rng.randrange(days))
        since = datetime(day.year, day.month, day.day, tzinfo=UTC)
        t0 = time.perf_counter()
        answer = selectors.track(
            tenant_id=tenant.pk, agent_id=rng.choice(ids), since=since, until=since + timedelta(days=1)
        )
        timings.append(time.perf_counter() - t0)
        counts.append(answer["count"])
    simplified = []
    for _ in range(50):
        day = first + timedelta(days=rng.randrange(days))
        since = datetime(day.year, day.month, day.day, tzinfo=UTC)
        t0 = time.perf_counter()
        selectors.track(
            tenant_id=tenant.pk, agent_id=rng.choice(ids), since=since, until=since + timedelta(days=1), tolerance_m=10
        )
        simplified.append(time.perf_counter() - t0)
    last = []
    for _ in range(20):
        t0 = time.perf_counter()
        rows = selectors.agents_snapshot(tenant_id=tenant.pk)
        last.append(time.perf_counter() - t0)
    return {
        "track_points": round(sum(counts) / len(counts)),
        "track_p50_ms": ms(timings, 0.5),
        "track_p99_ms": ms(timings, 0.99),
        "simplified_p99_ms": ms(simplified, 0.99),
        "all_agents": len(rows),
        "all_agents_p99_ms": ms(last, 0.99),
    }


def clients(tenant, total: int) -> dict:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from core.models import Membership
    from core.roles import Role
    from domains.clients.models import Client, ClientAssignment
    from tests.factories import bearer

    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first() or members(tenant, Role.MANAGER, 1)[0]
    agents = [m.user_id for m in members(tenant, Role.AGENT, 50)]
    rng = random.Random(3)
    words = ["Baraka", "Oila", "Market", "Savdo", "Do'kon", "Shirin", "Yangi", "Hayot", "Express", "Mini"]
    for start in range(0, total, 5000):
        rows = Client.objects.bulk_create(
            Client(
                tenant=tenant,
                name=f"{rng.choice(words)} {rng.choice(words)} {n}",
                code=f"C-{n:06d}",
                phone=f"+998 9{n % 10} {n:07d}",
                phone_digits=f"9989{n % 10}{n:07d}",
                lat=41.2 + rng.random() * 0.2,
                lon=69.1 + rng.random() * 0.3,
            )
            for n in range(start, min(start + 5000, total))
        )
        ClientAssignment.objects.bulk_create(
            ClientAssignment(tenant=tenant, client=c, agent_id=agents[i % len(agents)]) for i, c in enumerate(rows)
        )
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does after such a load
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE clients_clientassignment")
    api = APIClient()
    headers = bearer(manager)
    timings: dict[str, list[float]] = {
        "page": [],
        "deep_page": [],
        "search_name": [],
        "search_phone": [],
        "search_code": [],
        "search_broad": [],  # a word in a fifth of the names
        "search_short": [],  # two letters: no trigram, most rows match
    }
    deep = None
    for n in range(101):  # round 0 warms the caches and is not counted
        for key, url in (
            ("page", "/api/clients/"),
            ("search_name", f"/api/clients/?search=Savdo+{rng.randrange(total)}"),
            ("search_phone", f"/api/clients/?search={rng.randrange(total):07d}"),
            ("search_code", f"/api/clients/?search=C-{rng.randrange(total):06d}"),
            ("search_broad", f"/api/clients/?search={rng.choice(words)}"),
            ("search_short", f"/api/clients/?search={rng.choice(words)[:2]}"),
            ("deep_page", deep),
        ):
            if url is None:
                continue
            t0 = time.perf_counter()
            response = api.get(url, **headers)
            if n:
                timings[key].append(time.perf_counter() - t0)
            assert response.status_code == 200, response.content
            if key == "page" and n == 0:
                cursor = response.json()["next"]
                for _ in range(100):  # walk up to 100 pages in
                    following = api.get(cursor, **headers).json()["next"]
                    if following is None:
                        break
                    cursor = following
                deep = cursor
    return {
        "clients": total,
        **{f"{k}_{q}_ms": ms(v, p) for k, v in timings.items() for q, p in (("p50", 0.5), ("p99", 0.99))},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--dashboards", type=int, default=5)
    parser.add_argument("--history", type=int, default=50_000_000)
    parser.add_argument("--clients", type=int, default=70_000)
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: ingest,tracks,clients")
    parser.add_argument("--reuse", action="store_true", help="tracks only, on the history already generated")
    # client-process options
    parser.add_argument("--client", choices=["phones", "dashboards"])
    parser.add_argument("--ports", default="")
    parser.add_argument("--tokens", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.client:
        ports = [int(p) for p in args.ports.split(",")]
        tokens = json.loads(Path(args.tokens).read_text())
        if args.client == "phones":
            asyncio.run(phones(ports, tokens, args.rate, args.batch, args.seconds, Path(args.out)))
        else:
            asyncio.run(dashboards(ports, tokens, Path(args.out)))
        return

    os.environ["JWT_ACCESS_TTL_SECONDS"] = "7200"
    if args.reuse:
        from bench.kitchen import setup_django

        setup_django()
        from core.models import Organization

        found = tracks(Organization.objects.get(slug="bench"), args.history, reuse=True)
        print("RESULT " + " ".join(f"{k}={v}" for k, v in found.items()))
        return
    tenant, _token = prepare()
    tmp = Path(tempfile.mkdtemp(prefix="oqim-bench-loc-"))
    skip = set(args.skip.split(","))
    results: dict = {}
    if "ingest" not in skip:
        results.update(ingest(tenant, args, tmp))
        print("ingest:", results, flush=True)
    if "clients" not in skip:
        found = clients(tenant, args.clients)
        print("clients:", found, flush=True)
        results.update(found)
    if "tracks" not in skip:
        found = tracks(tenant, args.history)
        print("tracks:", found, flush=True)
        results.update(found)
    print("RESULT " + " ".join(f"{k}={v}" for k, v in results.items()))


if __name__ == "__main__":
    main()
