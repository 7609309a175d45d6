"""Breadcrumbs benchmark: agents' phones and managers' dashboards on real WebSockets, two web
processes over PostgreSQL + Redis, on lived-in state; then tracks among 50 million points.

    .venv/bin/python bench/locations.py [--agents 1000] [--rate 2000] [--batch 1] [--seconds 20]
                                        [--dashboards 5] [--history 50000000] [--clients 70000]
                                        [--fences 1000] [--osmand-rate 200] [--osmand-devices 100]
                                        [--targets oqim,naive,relay] [--keep] [--fresh]

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; defaults to the local services
(postgres://postgres@127.0.0.1:5432/oqim_bench, redis://127.0.0.1:6379/14, both wiped unless
--keep reuses what an earlier run built).

- lived-in first (bench/livedin.py): every topic stream at its MAXLEN, the firehose full, a day
  of outbox rows, --clients clients, --history points (daily partitions, 500 agents with their
  states, 2,500 fixes an agent-day). ``--fresh`` skips it.
- ingest: --agents sockets send --rate points/s in all, each agent one ``location`` frame of
  --batch points per --batch*agents/rate seconds; --dashboards managers' sockets subscribed to
  ``agents.locations``. Accepted points/s, acked-after-durable p50/p99 (send → ``location_ack``),
  ingest-to-dashboard p50/p99 (send → the event carrying the point), points persisted vs sent,
  each dashboard's distinct points and duplicates, points refused (``unavailable``: the phone
  keeps them and sends them again), web CPU and memory. ``--targets`` runs the same generator
  against the peers in bench/peers/ too, one after the other.
- with Oqim, --fences geofences in the organization (circles and squares on the agents' paths,
  a tenth of them territories their agent walks out of) besides the clients' zones, so every fix is
  judged against them; the dashboards measure send → ``geofence.*`` event. Side by side,
  --osmand-devices tracker apps send --osmand-rate points/s over HTTP to the OsmAnd endpoint
  (accepted/s, answer p50/p99: the answer comes after the commit).
- trips: trips and stops of one agent-day of 2,500 points (``selectors.day_movement``, as the
  API answers it), p50/p99.
- tracks: one agent-day's track (``selectors.track``, as the API answers it) for random agents
  and days, before and after the nightly clustering, and the last position of every agent.
- clients: a list page and searches through the REST stack.
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
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

from bench import livedin  # noqa: E402
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
    ack_at: list[float] = []  # when each acknowledged frame was sent, from the start
    sent = acked = refused = filtered = 0
    errors: dict[str, int] = {}
    print("ready", flush=True)
    sys.stdin.readline()  # go
    began = time.time()
    cpu_began = time.process_time()

    async def phone(n: int, ws) -> None:  # type: ignore[no-untyped-def]
        nonlocal sent, acked, refused, filtered
        pending: dict[int, tuple[float, list]] = {}
        buffered: list = []  # points the server refused: a phone keeps and resends them

        async def read() -> None:
            nonlocal acked, refused, filtered
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "location_ack":
                    at = pending.pop(frame["ref"])[0]
                    acks.append(time.time() - at)
                    ack_at.append(at - began)
                    acked += frame["stored"] + frame["duplicates"]
                    filtered += sum(frame.get("filtered", {}).values())
                elif frame["type"] == "ping":
                    await ws.send('{"type":"pong"}')
                elif frame["type"] == "error":
                    errors[frame["code"]] = errors.get(frame["code"], 0) + 1
                    _at, points = pending.pop(frame.get("ref"), (0.0, []))
                    if frame["code"] == "unavailable":
                        refused += len(points)
                        buffered.extend(points)

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
            sent += batch
            points, buffered[:] = buffered[-90:] + points, []
            pending[frame_no] = (now, points)
            await ws.send(json.dumps({"type": "location", "ref": frame_no, "points": points}))
            frame_no += 1
        for _ in range(100):  # wait for the last acks
            if not pending:
                break
            await asyncio.sleep(0.1)
        reader.cancel()

    await asyncio.gather(*(phone(n, ws) for n, ws in enumerate(sockets)))
    elapsed = time.time() - began
    out.write_text(
        json.dumps(
            {
                "sent": sent,
                "acked": acked,
                "acks": acks,
                "ack_at": ack_at,
                "elapsed": elapsed,
                "refused": refused,
                "filtered": filtered,
                "errors": errors,
                "cpu_s": time.process_time() - cpu_began,
            }
        )
    )


async def dashboards(ports: list[int], tokens: list[str], out: Path) -> None:
    sockets = [await _socket(ports[i % len(ports)], t) for i, t in enumerate(tokens)]
    for ws in sockets:
        await ws.send(json.dumps({"type": "subscribe", "topic": "agents.locations"}))
    latencies: list[float] = []
    fence_latencies: list[float] = []
    received = [0] * len(sockets)
    seen: list[set] = [set() for _ in sockets]  # (agent, device time): each point once, or a duplicate
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
            frame = json.loads(raw)
            if frame["type"] == "event":
                data = frame["event"]["data"]
                if frame["event"]["type"].startswith("geofence."):
                    fence_latencies.append(time.time() - datetime.fromisoformat(data["recorded_at"]).timestamp())
                    continue
                # Oqim batches agents in one event (version 2); the peers send one agent each.
                for entry in data.get("agents", [data]):
                    if "trail" not in entry:
                        continue
                    newest = datetime.fromisoformat(entry["trail"][-1][0]).timestamp()
                    latencies.append(time.time() - newest)
                    received[k] += len(entry["trail"])
                    seen[k].update((entry["agent_id"], stamp) for stamp, _lat, _lon in entry["trail"])
            elif frame["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif frame["type"] == "error":
                print("dashboard error frame:", raw[:300], file=sys.stderr, flush=True)

    tasks = [asyncio.create_task(watch(k, ws)) for k, ws in enumerate(sockets)]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # go
    cpu_began = time.process_time()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # phones done
    # the last events reach the dashboards: wait until the counts stop growing (at most 30 s)
    for _ in range(15):
        before = sum(received)
        await asyncio.sleep(2)
        if sum(received) == before:
            break
    cpu_s = time.process_time() - cpu_began
    for task in tasks:
        task.cancel()
    out.write_text(
        json.dumps(
            {
                "received": received,
                "distinct": [len(x) for x in seen],
                "latencies": latencies,
                "fence_latencies": fence_latencies,
                "closed": closed,
                "cpu_s": cpu_s,
            }
        )
    )


async def trackers(ports: list[int], tokens: list[str], rate: int, seconds: float, out: Path) -> None:
    """Tracker apps on the OsmAnd protocol: one GET per point, keep-alive, the device token in id."""
    import httpx

    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30) for p in ports]
    period = len(tokens) / rate
    answers: list[float] = []
    accepted = failed = 0
    print("ready", flush=True)
    sys.stdin.readline()  # go
    began = time.time()

    async def device(n: int, token: str) -> None:
        nonlocal accepted, failed
        client = clients[n % len(clients)]
        k = 0
        while (at := began + period * (k + n / len(tokens))) - began < seconds:
            await asyncio.sleep(max(0.0, at - time.time()))
            sent = time.time()
            params = {"id": token, "timestamp": f"{sent:.3f}", "lat": 41.9 + n * 0.0005 + k * 0.00002, "lon": 69.3}
            try:
                answer = await client.get("/api/trackers/osmand/", params={**params, "speed": "3", "batt": "70"})
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            answers.append(time.time() - sent)
            accepted, failed = accepted + ok, failed + (not ok)
            k += 1

    await asyncio.gather(*(device(n, t) for n, t in enumerate(tokens)))
    elapsed = time.time() - began
    for client in clients:
        await client.aclose()
    out.write_text(json.dumps({"accepted": accepted, "failed": failed, "answers": answers, "elapsed": elapsed}))


def generate_fences(tenant, agents: list, count: int) -> None:  # type: ignore[no-untyped-def]
    """Geofences on the agents' paths: each phone walks north from 41.2 + n * 0.001 and crosses
    one or two of them; every tenth is its agent's territory, which the agent walks out of."""
    from domains.locations.models import Geofence
    from domains.locations.services.geofences import forget_fences

    Geofence.objects.filter(tenant=tenant).delete()
    fences, territories = [], []
    for k in range(count):
        n = k % len(agents)
        lat, lon = 41.2 + n * 0.001 + 0.0003, 69.25
        if k % 10 == 9:
            square = [[lon - 0.001, lat - 0.001], [lon + 0.001, lat - 0.001], [lon + 0.001, lat + 0.0001],
                      [lon - 0.001, lat + 0.0001], [lon - 0.001, lat - 0.001]]  # fmt: skip
            fence = Geofence(tenant=tenant, name=f"territory {k}", kind="territory", everyone=False)
            fence.geometry = {"type": "Polygon", "coordinates": [square]}
            territories.append((fence, [agents[n].user_id]))
        elif k % 2:
            fence = Geofence(tenant=tenant, name=f"circle {k}", radius_m=20.0, dwell_minutes=1)
            fence.geometry = {"type": "Point", "coordinates": [lon, lat]}
        else:
            d = 0.0002
            square = [
                [lon - d, lat - d],
                [lon + d, lat - d],
                [lon + d, lat + d],
                [lon - d, lat + d],
                [lon - d, lat - d],
            ]
            fence = Geofence(tenant=tenant, name=f"square {k}")
            fence.geometry = {"type": "Polygon", "coordinates": [square]}
        fences.append(fence)
    Geofence.objects.bulk_create(fences)
    for fence, members in territories:
        fence.agents.set(members)
    forget_fences(tenant.pk)


def trips(tenant, samples: int = 50) -> dict:  # type: ignore[no-untyped-def]
    """Trips and stops of agent-days of the history (2,500 points each), as the API computes them."""
    from domains.locations import partitions, selectors

    today = datetime.now(UTC).date()
    day = today - timedelta(days=2)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT agent_id, count(*) FROM {partitions.name_for(day)} GROUP BY agent_id LIMIT 200")
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return {}
    timings, found = [], {}
    for n in range(samples):
        began = time.perf_counter()
        found = selectors.day_movement(tenant=tenant, agent_id=ids[n % len(ids)], day=day)
        timings.append(time.perf_counter() - began)
    return {
        "trips_day_points": found["points"],
        "trips_found": len(found["trips"]),
        "stops_found": len(found["stops"]),
        "trips_p50_ms": ms(timings, 0.5),
        "trips_p99_ms": ms(timings, 0.99),
    }


def spawn(kind: str, **options: object) -> subprocess.Popen:
    argv = [sys.executable, __file__, "--client", kind]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"{kind} client failed to start")
    return process


# -- the phases


def start_target(target: str, tmp: Path) -> tuple[list[subprocess.Popen], list[int]]:
    """The server processes under test: Oqim's two web processes, or a peer (bench/peers)."""
    from tests.net import free_port

    if target == "oqim":
        webs, ports = zip(*(start_web(tmp / f"web{i}") for i in range(2)), strict=True)
        return list(webs), list(ports)
    if target == "relay":  # one process, nothing stored
        port = free_port()
        relay = subprocess.Popen(
            [sys.executable, str(ROOT / "bench/peers/relay.py"), "--port", str(port)], stdout=subprocess.PIPE, text=True
        )
        relay.stdout.readline()  # ready
        return [relay], [port]
    env = dict(os.environ)
    app = "bench.peers.echo:app"  # bare daphne: the server's own floor, nothing stored or fanned out
    if target == "naive":  # a tutorial-style Channels app with its own database
        server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        subprocess.run(["psql", f"{server}/postgres", "-qc", "DROP DATABASE IF EXISTS oqim_bench_peer"], check=True)
        subprocess.run(["psql", f"{server}/postgres", "-qc", "CREATE DATABASE oqim_bench_peer"], check=True)
        env.update(
            DJANGO_SETTINGS_MODULE="bench.peers.naive.settings",
            PEER_DATABASE_URL=f"{server}/oqim_bench_peer",
            PEER_REDIS_URL=os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/13",
            PYTHONPATH=str(ROOT),
        )
        migrate = [sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"]
        subprocess.run(migrate, env=env, cwd=ROOT, check=True)
        app = "bench.peers.naive.asgi:application"
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    for port in ports:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
    return processes, ports


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of the given processes, and of every PostgreSQL and Redis process."""
    totals = {name: 0.0 for name in [*groups, "postgres", "redis"]}
    owner = {pid: name for name, pids in groups.items() for pid in pids}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            seconds = cpu_seconds(int(entry.name))
        except (OSError, ValueError):
            continue
        name = owner.get(int(entry.name)) or {"postgres": "postgres", "redis-server": "redis"}.get(comm)
        if name:
            totals[name] += seconds
    return totals


def server_figures(pids: list[int]) -> dict:
    """Oqim's own counters, as the web processes leave them in Redis every few seconds."""
    import redis

    from realtime.hub import PROCESS_PREFIX

    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    time.sleep(5.5)  # the last snapshot is written
    totals: dict[str, int] = {}
    for pid in pids:
        found = json.loads(client.get(f"{PROCESS_PREFIX}{socket.gethostname()}:{pid}") or "{}")
        for name in ("locations_batches", "locations_frames", "locations_shed", "events_routed", "deliveries"):
            totals[name] = totals.get(name, 0) + found.get(name, 0)
    batches = totals.get("locations_batches", 0)
    return {
        "frames_per_batch": round(totals.get("locations_frames", 0) / batches, 1) if batches else 0,
        "shed": totals.get("locations_shed", 0),
        "events_routed": totals.get("events_routed", 0),
        "frames_to_dashboards": totals.get("deliveries", 0),
    }


def persisted(target: str, tenant) -> int | None:  # type: ignore[no-untyped-def]
    from domains.locations.models import LocationPoint, Source

    if target == "oqim":
        return LocationPoint.objects.filter(tenant=tenant, source=Source.LIVE).count()
    if target == "naive":
        server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        found = subprocess.run(
            ["psql", f"{server}/oqim_bench_peer", "-tAc", "SELECT count(*) FROM naive_point"],
            capture_output=True,
            text=True,
        )
        return int(found.stdout.strip()) if found.returncode == 0 else 0
    return None  # the relay stores nothing


def ingest(tenant, args: argparse.Namespace, tmp: Path, target: str) -> dict:  # type: ignore[no-untyped-def]
    from core.auth import issue_tokens
    from core.models import Membership
    from core.roles import Role
    from domains.locations import services

    device_tokens: list[str] = []

    if target == "oqim":
        # The agents with history first (their states and tracks exist), then new ones.
        agents = list(Membership.objects.filter(tenant=tenant, role=Role.AGENT).order_by("pk")[: args.agents])
        agents += members(tenant, Role.AGENT, args.agents - len(agents))
        managers = members(tenant, Role.MANAGER, args.dashboards)
        phones_tokens = [str(issue_tokens(membership=m).access_token) for m in agents]
        dash_tokens = [str(issue_tokens(membership=m).access_token) for m in managers]
        generate_fences(tenant, agents, args.fences)
        device_tokens = [
            services.device_create(tenant=tenant, agent_id=m.user_id, name="bench", actor=m.user)[1]
            for m in members(tenant, Role.AGENT, args.osmand_devices)
        ]
    else:
        phones_tokens = [f"peer-{n}" for n in range(1, args.agents + 1)]
        dash_tokens = [f"peer-dashboard-{n}" for n in range(args.dashboards)]
    before = persisted(target, tenant) or 0
    if target == "oqim":
        livedin.vacuum("locations_agentstate", "realtime_outboxevent")
    webs, ports = start_target(target, tmp)
    ports_arg = ",".join(map(str, ports))
    try:
        (tmp / "agents.json").write_text(json.dumps(phones_tokens))
        (tmp / "managers.json").write_text(json.dumps(dash_tokens))
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
        tracked = None
        if device_tokens and args.osmand_rate:
            (tmp / "devices.json").write_text(json.dumps(device_tokens))
            tracked = spawn(
                "trackers",
                ports=ports_arg,
                tokens=tmp / "devices.json",
                rate=args.osmand_rate,
                seconds=args.seconds,
                out=tmp / "trackers.json",
            )
        time.sleep(1)
        groups = {"server": [w.pid for w in webs]}
        cpu0, began = cpu_by_group(groups), time.monotonic()
        print(f"{target}: phones go", flush=True)
        for process in (watch, send, *([tracked] if tracked else [])):
            process.stdin.write("go\n")
            process.stdin.flush()
        send.wait(args.seconds + 120)
        if tracked:
            tracked.wait(args.seconds + 120)
        elapsed = time.monotonic() - began
        cpu = {k: v - cpu0.get(k, 0.0) for k, v in cpu_by_group(groups).items()}
        rss = [rss_kb(w.pid) // 1024 for w in webs]
        watch.stdin.write("done\n")
        watch.stdin.flush()
        watch.wait(60)
        figures = server_figures([w.pid for w in webs]) if target == "oqim" else {}
    finally:
        for web in webs:
            web.terminate()
            web.wait(20)
    sent = json.loads((tmp / "phones.json").read_text())
    seen = json.loads((tmp / "dash.json").read_text())
    by_second: dict[int, list[float]] = {}
    for at, latency in zip(sent["ack_at"], sent["acks"], strict=True):
        by_second.setdefault(int(at), []).append(latency)
    print(
        "ack p99 per second (ms):",
        " ".join(str(round(percentile(v, 0.99) * 1000)) for _k, v in sorted(by_second.items())),
        flush=True,
    )
    stored = persisted(target, tenant)
    osmand = {}
    if (tmp / "trackers.json").exists() and target == "oqim":
        trackers_out = json.loads((tmp / "trackers.json").read_text())
        osmand = {
            "osmand_accepted_per_s": round(trackers_out["accepted"] / trackers_out["elapsed"]),
            "osmand_failed": trackers_out["failed"],
            "osmand_p50_ms": ms(trackers_out["answers"], 0.5),
            "osmand_p99_ms": ms(trackers_out["answers"], 0.99),
        }
    fence_figures = (
        {
            "fences": args.fences,
            "fence_events": len(seen.get("fence_latencies", [])),
            "fence_event_p50_ms": ms(seen["fence_latencies"], 0.5),
            "fence_event_p99_ms": ms(seen["fence_latencies"], 0.99),
        }
        if seen.get("fence_latencies")
        else {}
    )
    return {
        "target": target,
        "agents": args.agents,
        "batch": args.batch,
        "target_rate": args.rate,
        "sent": sent["sent"],
        "acked": sent["acked"],
        "refused": sent["refused"],
        "filtered": sent.get("filtered", 0),
        "errors": "+".join(f"{k}:{v}" for k, v in sent["errors"].items()) or "0",
        "persisted": "-" if stored is None else stored - before,
        "accepted_per_s": round(sent["acked"] / sent["elapsed"]),
        "ack_p50_ms": ms(sent["acks"], 0.5),
        "ack_p99_ms": ms(sent["acks"], 0.99),
        "dashboard_p50_ms": ms(seen["latencies"], 0.5),
        "dashboard_p99_ms": ms(seen["latencies"], 0.99),
        "dashboard_distinct_min": min(seen["distinct"]),
        "dashboard_duplicates": sum(seen["received"]) - sum(seen["distinct"]),
        "dashboards_closed": len([c for c in seen["closed"] if c is not None]),
        **figures,
        **{f"{k}_cpu_pct": round(v / elapsed * 100) for k, v in cpu.items() if k != "generator"},
        "generator_cpu_pct": round((sent["cpu_s"] + seen["cpu_s"]) / elapsed * 100),
        "server_rss_mb": "+".join(map(str, rss)),
        **fence_figures,
        **osmand,
    }


HISTORY_AGENTS = 500
PER_DAY = 2500


def history_days(total: int) -> int:
    return max(1, total // (HISTORY_AGENTS * PER_DAY))


def generate_history(tenant, total: int) -> dict:  # type: ignore[no-untyped-def]
    """``total`` points for 500 agents, 2,500 a day each, in daily partitions ending yesterday,
    and each agent's state as its last fix left it."""
    from django.db import connection

    from core.models import Membership
    from core.roles import Role
    from domains.locations import partitions

    days = history_days(total)
    first = datetime.now(UTC).date() - timedelta(days=days + 1)
    have = list(
        Membership.objects.filter(tenant=tenant, role=Role.AGENT).order_by("pk").values_list("user_id", flat=True)
    )
    have += [m.user_id for m in members(tenant, Role.AGENT, max(0, HISTORY_AGENTS - len(have)))]
    ids = have[:HISTORY_AGENTS]
    partitions.ensure(first + timedelta(days=d) for d in range(days + 2))
    began = time.monotonic()
    with connection.cursor() as cursor:
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
                [tenant.pk, PER_DAY, f"{day.isoformat()} 08:00:00+00"],
            )
        # Each agent's state as the last fix of the last day left it (what ingest keeps up).
        last = f"{(first + timedelta(days=days - 1)).isoformat()} 08:00:00+00"
        cursor.execute(
            """
            INSERT INTO locations_agentstate
                (tenant_id, agent_id, recorded_at, lat, lon, accuracy, speed, heading, battery,
                 newest_stored_at, last_fix_at, last_seen_at, presence, presence_since, points_accepted,
                 points_filtered, held_trail, held_points, announced_at, updated_at)
            SELECT %s, a.id, ts, 41.2 + a.n * 0.0004, 69.2, 5, 1.4, 0, 80, ts, ts, ts, 'offline', ts, %s,
                   '{}', '[]', 0, ts, ts
            FROM bench_agents a, LATERAL (SELECT %s::timestamptz + make_interval(secs => (%s - 1) * 12)) AS t(ts)
            ON CONFLICT (tenant_id, agent_id) DO NOTHING
            """,
            [tenant.pk, days * PER_DAY, last, PER_DAY],
        )
        cursor.execute("SELECT count(*) FROM locations_locationpoint WHERE tenant_id = %s", [tenant.pk])
        stored = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits"
            " WHERE inhparent = 'locations_locationpoint'::regclass"
        )
        size = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE locations_locationpoint")  # sets the visibility map, as autovacuum would
    return {
        "history_points": stored,
        "history_days": days,
        "history_size": (size or "0").replace(" ", ""),
        "generated_s": round(time.monotonic() - began),
    }


def tracks(tenant, total: int, samples: int = 200) -> dict:  # type: ignore[no-untyped-def]
    """One agent-day's track and every agent's last position, on the days as written and after
    the nightly clustering."""
    from django.db import connection

    from domains.locations import partitions

    days = history_days(total)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT agent_id FROM {partitions.name_for(first)}")
        ids = [row[0] for row in cursor.fetchall()]
    measured = {"fresh": _time_tracks(tenant, ids, first, days, samples)}
    began = time.monotonic()
    clustered_days = 0
    while done := partitions.cluster_before(today, limit=50):  # what locations.maintain does, hourly
        clustered_days += len(done)
    measured["clustered"] = _time_tracks(tenant, ids, first, days, samples)
    return {
        "clustered_s": round(time.monotonic() - began),
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


WORDS = ["Baraka", "Oila", "Market", "Savdo", "Do'kon", "Shirin", "Yangi", "Hayot", "Express", "Mini"]


def generate_clients(tenant, total: int) -> None:  # type: ignore[no-untyped-def]
    from core.models import Membership
    from core.roles import Role
    from domains.clients.models import Client, ClientAssignment

    agents = list(
        Membership.objects.filter(tenant=tenant, role=Role.AGENT).order_by("pk").values_list("user_id", flat=True)
    )[:50]
    agents += [m.user_id for m in members(tenant, Role.AGENT, 50 - len(agents))]
    rng = random.Random(3)
    words = WORDS
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


def clients(tenant) -> dict:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from core.models import Membership
    from core.roles import Role
    from domains.clients.models import Client
    from tests.factories import bearer

    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first() or members(tenant, Role.MANAGER, 1)[0]
    total = Client.objects.filter(tenant=tenant).count()
    rng = random.Random(3)
    words = WORDS
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
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--dashboards", type=int, default=5)
    parser.add_argument("--history", type=int, default=50_000_000)
    parser.add_argument("--clients", type=int, default=70_000)
    parser.add_argument("--fences", type=int, default=1000)
    parser.add_argument("--osmand-rate", type=int, default=200, help="points/s through the OsmAnd endpoint")
    parser.add_argument("--osmand-devices", type=int, default=100)
    parser.add_argument("--targets", default="oqim", help="comma-separated: oqim,naive,relay,echo (bench/peers)")
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: ingest,tracks,clients,trips")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the lived-in database and Redis an earlier run built"
    )
    livedin.add_arguments(parser)
    # client-process options
    parser.add_argument("--client", choices=["phones", "dashboards", "trackers"])
    parser.add_argument("--ports", default="")
    parser.add_argument("--tokens", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.client:
        ports = [int(p) for p in args.ports.split(",")]
        tokens = json.loads(Path(args.tokens).read_text())
        import uvloop  # the generator's own loop: less of the shared cores for the clients

        if args.client == "phones":
            uvloop.run(phones(ports, tokens, args.rate, args.batch, args.seconds, Path(args.out)))
        elif args.client == "trackers":
            uvloop.run(trackers(ports, tokens, args.rate, args.seconds, Path(args.out)))
        else:
            uvloop.run(dashboards(ports, tokens, Path(args.out)))
        return

    os.environ["JWT_ACCESS_TTL_SECONDS"] = "7200"
    tenant = kept() if args.keep else None
    history: dict = {}
    if tenant is None:
        tenant, _token = prepare()
        if not args.fresh:
            history.update(livedin.redis_history(tenant.pk))
            history["outbox_rows"] = livedin.outbox_history(tenant.pk)
            generate_clients(tenant, args.clients)
            history.update(generate_history(tenant, args.history))
            print("lived-in:", history, flush=True)
    elif not args.fresh:
        history.update(livedin.redis_history(tenant.pk))  # topped up to the caps again
    tmp = Path(tempfile.mkdtemp(prefix="oqim-bench-loc-"))
    skip = set(args.skip.split(","))
    results: dict = dict(history)
    runs = []
    if "ingest" not in skip:
        for target in args.targets.split(","):
            found = ingest(tenant, args, tmp, target)
            print("ingest:", found, flush=True)
            runs.append(found)
        results.update({k: v for k, v in runs[0].items()})
    if "clients" not in skip and not args.fresh:
        found = clients(tenant)
        print("clients:", found, flush=True)
        results.update(found)
    if "tracks" not in skip and not args.fresh:
        found = tracks(tenant, args.history)
        print("tracks:", found, flush=True)
        results.update(found)
    if "trips" not in skip and not args.fresh:
        found = trips(tenant)
        print("trips:", found, flush=True)
        results.update(found)
    for run in runs[1:]:
        print("PEER " + " ".join(f"{k}={v}" for k, v in run.items()))
    print("RESULT " + " ".join(f"{k}={v}" for k, v in results.items()))


def kept():  # type: ignore[no-untyped-def]
    """The bench organization an earlier run left, if its database is still there."""
    from bench.kitchen import setup_django

    setup_django()
    from django.db.utils import OperationalError

    from core.models import Organization

    try:
        return Organization.objects.filter(slug="bench").first()
    except OperationalError:
        return None


if __name__ == "__main__":
    main()
