"""Realtime benchmark: two web processes over PostgreSQL + Redis, real WebSocket clients.

    .venv/bin/python bench/realtime.py [--subscribers 100] [--rate 100] [--seconds 10]
                                       [--idle 5000] [--resume 10000]
    .venv/bin/python bench/realtime.py --hosts [--tenants 8] ...   # as root: across two hosts

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; defaults to the local services
(postgres://postgres@127.0.0.1:5432/oqim_bench, redis://127.0.0.1:6379/14, both wiped).

- fan-out: events emitted through the service API (``domains.members.services.tenant_update``: a row, its
  outbox event, publish after commit) at --rate/s to --subscribers sockets split over the two
  processes; deliveries/s and emit-to-receive latency, at full and at half rate.
- connections: --idle authenticated sockets held; server memory per socket and idle CPU.
- resume: a client away for --resume events catches up; the time it takes.
- with --hosts: four web processes on two hosts (network namespaces, ``bench/hosts.py``), fan-out
  and resume first on one Redis, then with the streams on a three-master Redis Cluster, at the
  same load, events spread over --tenants organizations (so over the cluster's shards).
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oqim_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

from tests.net import free_port  # noqa: E402


def prepare(count: int = 1) -> tuple[list, list[str]]:
    """A fresh database and Redis; ``count`` organizations with an admin each; returns them and
    the admins' access tokens."""
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core import services
    from core.auth import issue_tokens

    tenants, tokens = [], []
    for n in range(count):
        tenant, admin = services.tenant_create(
            name=f"Bench {n}", slug=f"bench-{n}", admin_username=f"owner-{n}", admin_password="Rt-bench-pass-4-oqim!"
        )
        tenants.append(tenant)
        tokens.append(str(issue_tokens(membership=admin).access_token))
    return tenants, tokens


def start_web(
    tmp: Path, *, host: str = "127.0.0.1", wrapper: tuple = (), extra: dict | None = None
) -> tuple[subprocess.Popen, str]:
    """A web process; returns it and the "host:port" it answers on."""
    port = free_port()
    env = {**os.environ, "OQIM_DATA_DIR": str(tmp), "LOG_LEVEL": "WARNING", "JWT_ACCESS_TTL_SECONDS": "3600"}
    env.update(extra or {})
    process = subprocess.Popen(
        [*wrapper, sys.executable, "manage.py", "web", "--port", str(port), "--host", host],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["BENCH_WEB_LOG"], "a") if os.environ.get("BENCH_WEB_LOG") else subprocess.DEVNULL,  # noqa: SIM115
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://{host}:{port}/health/", timeout=1)
            return process, f"{host}:{port}"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("web process did not start")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


# -- client side (runs in a child process so that it does not share a core's loop with emitting)


async def open_socket(address: str, token: str, topic: str | None = "organization", since: str | None = None):  # type: ignore[no-untyped-def]
    import websockets

    ws = await websockets.connect(f"ws://{address}/ws/", max_queue=None, ping_interval=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome", welcome
    if topic:
        await ws.send(json.dumps({"type": "subscribe", "topic": topic, **({"since": since} if since else {})}))
    return ws


async def fan_out_clients(addresses: list[str], tokens: list[str], subscribers: int, expect: int, out: Path) -> None:
    # subscriber i follows organization i % T, on a web process that spreads each one's over all
    t = len(tokens)
    sockets = await asyncio.gather(
        *(open_socket(addresses[(i // t) % len(addresses)], tokens[i % t]) for i in range(subscribers))
    )
    for ws in sockets:  # every subscription confirmed before the first event is sent
        while json.loads(await ws.recv())["type"] != "subscribed":
            continue
    latencies: list[float] = []
    received = 0
    print("ready", flush=True)

    async def reader(ws) -> None:  # type: ignore[no-untyped-def]
        nonlocal received
        async for raw in ws:
            if raw.startswith('{"type":"event"'):
                sent = float(json.loads(raw)["event"]["data"]["name"])
                latencies.append(time.time() - sent)
                received += 1
                if received >= expect:
                    return
            elif '"ping"' in raw:
                await ws.send('{"type":"pong"}')

    tasks = [asyncio.create_task(reader(ws)) for ws in sockets]
    first = time.time()
    await asyncio.wait(tasks, timeout=120, return_when=asyncio.FIRST_COMPLETED)
    while received < expect and time.time() - first < 120:
        await asyncio.sleep(0.05)
    out.write_text(json.dumps({"received": received, "latencies": latencies}))
    for task in tasks:
        task.cancel()


async def idle_clients(ports: list[str], token: str, count: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sockets = []
    for start in range(0, count, 200):
        sockets += await asyncio.gather(
            *(open_socket(ports[i % len(ports)], token) for i in range(start, min(start + 200, count)))
        )

    async def answer(ws) -> None:  # type: ignore[no-untyped-def]
        async for raw in ws:
            if '"ping"' in raw:
                await ws.send('{"type":"pong"}')

    tasks = [asyncio.create_task(answer(ws)) for ws in sockets]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()


def client_main(args: argparse.Namespace) -> None:
    ports = args.ports.split(",")
    if args.client == "fanout":
        asyncio.run(fan_out_clients(ports, args.token.split(","), args.subscribers, args.expect, Path(args.out)))
    else:
        asyncio.run(idle_clients(ports, args.token, args.idle))


def spawn_client(kind: str, **options: object) -> subprocess.Popen:
    argv = [sys.executable, __file__, "--client", kind]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        raise SystemExit(f"client failed: {line}")
    return process


# -- the phases


def fan_out(
    tenants,
    tokens: list[str],
    ports: list[str],
    subscribers: int,
    rate: int,
    seconds: int,
    tmp: Path,
    webs: list | None = None,
) -> dict:  # type: ignore[no-untyped-def]
    """--rate events/s, each organization's in turn, to --subscribers sockets (each organization's
    share of them); deliveries/s and latency."""
    from domains.members import services

    events = rate * seconds
    out = tmp / f"fanout-{rate}-{time.monotonic_ns()}.json"
    per_tenant = [len(range(n, subscribers, len(tenants))) for n in range(len(tenants))]
    client = spawn_client(
        "fanout",
        ports=",".join(ports),
        token=",".join(tokens),
        subscribers=subscribers,
        expect=sum(per_tenant[i % len(tenants)] for i in range(events)),
        out=out,
    )
    cpu0 = sum(cpu_seconds(w.pid) for w in webs or [])
    began = time.monotonic()
    for i in range(events):
        time.sleep(max(0.0, began + i / rate - time.monotonic()))
        services.tenant_update(tenant=tenants[i % len(tenants)], name=repr(time.time()))
    emitted_in = time.monotonic() - began
    client.wait(180)
    web_cpu_s = sum(cpu_seconds(w.pid) for w in webs or []) - cpu0
    result = json.loads(out.read_text())
    lat = [x * 1000 for x in result["latencies"]]
    return {
        "emitted_per_s": round(events / emitted_in),
        "deliveries_per_s": round(result["received"] / max(emitted_in, 1e-9)),
        "delivered": result["received"],
        "expected": sum(per_tenant[i % len(tenants)] for i in range(events)),
        "p50_ms": round(percentile(lat, 0.50), 1),
        "p99_ms": round(percentile(lat, 0.99), 1),
        # web processes' CPU per thousand deliveries (routing, frames, socket writes)
        "web_cpu_ms_per_1k": round(web_cpu_s * 1000 / max(result["received"] / 1000, 1e-9), 1) if webs else None,
    }


def append_cost(tenant, count: int = 500) -> float:  # type: ignore[no-untyped-def]
    """Microseconds of wall time for one event's publish from this process, one event a call."""
    import uuid

    from django.utils import timezone

    from realtime.models import OutboxEvent
    from realtime.streams import streams

    store = streams()
    began = time.perf_counter()
    for n in range(count):
        row = OutboxEvent(
            event_id=uuid.uuid4(),
            tenant_id=tenant.pk,
            topic="organization",
            type="organization.updated",
            occurred_at=timezone.now(),
            data={"name": f"probe {n}", "timezone": "UTC"},
            audience={},
        )
        store.append([row])
    return round((time.perf_counter() - began) / count * 1e6, 1)


def connections(token: str, webs: list[subprocess.Popen], ports: list[str], count: int) -> dict:
    before = sum(rss_kb(w.pid) for w in webs)
    client = spawn_client("idle", ports=",".join(ports), token=token, idle=count)
    time.sleep(3)
    after = sum(rss_kb(w.pid) for w in webs)
    cpu0 = sum(cpu_seconds(w.pid) for w in webs)
    time.sleep(10)
    cpu1 = sum(cpu_seconds(w.pid) for w in webs)
    client.stdin.write("\n")
    client.stdin.flush()
    client.wait(60)
    return {
        "idle_sockets": count,
        "kb_per_socket": round((after - before) / count, 1),
        "idle_cpu_pct": round((cpu1 - cpu0) / 10 * 100, 1),
    }


def resume(tenant, token: str, port: str, backlog: int) -> dict:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from realtime import publisher
    from realtime.models import OutboxEvent

    async def position_now() -> str:
        ws = await open_socket(port, token)
        position = json.loads(await ws.recv())["position"]
        await ws.close()
        return position

    async def catch_up(position: str) -> float:
        began = time.monotonic()
        ws = await open_socket(port, token, since=position)
        got = 0
        async for raw in ws:
            if raw.startswith('{"type":"event"'):
                got += 1
                if got == backlog:
                    break
        await ws.close()
        return time.monotonic() - began

    position = asyncio.run(position_now())
    now = timezone.now()
    for start in range(0, backlog, 1000):
        rows = OutboxEvent.objects.bulk_create(
            OutboxEvent(
                tenant_id=tenant.pk,
                topic="organization",
                type="organization.updated",
                occurred_at=now,
                data={"name": f"backlog {i}", "timezone": "UTC"},
            )
            for i in range(start, min(start + 1000, backlog))
        )
        publisher.publish(rows)
    return {"resume_events": backlog, "resume_s": round(asyncio.run(catch_up(position)), 2)}


def use_deployment(env: dict[str, str]) -> None:
    """Point this process's publishing at the Redis deployment the web processes use."""
    from django.conf import settings

    from realtime.streams import reset_streams

    settings.REDIS_URL = env["REDIS_URL"]
    settings.REALTIME_REDIS_CLUSTER = env.get("REALTIME_REDIS_CLUSTER", "")
    settings.REALTIME_SHARDS = int(env.get("REALTIME_SHARDS", "1"))
    reset_streams()


def tail_cost(tenant, token: str, webs: list[subprocess.Popen], ports: list[str], rate: int, seconds: int = 10) -> dict:  # type: ignore[no-untyped-def]
    """What tailing costs a web process for events none of its sockets want: one socket per
    process (of another organization) keeps its hub reading while ``rate`` events/s pass."""
    from django.utils import timezone

    from realtime import publisher
    from realtime.models import OutboxEvent

    client = spawn_client("idle", ports=",".join(ports), token=token, idle=len(ports))
    time.sleep(2)
    cpu0 = sum(cpu_seconds(w.pid) for w in webs)
    began = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - began) < seconds:
        due = int(elapsed * rate) - sent
        if due <= 0:
            time.sleep(0.01)
            continue
        rows = OutboxEvent.objects.bulk_create(
            OutboxEvent(
                tenant_id=tenant.pk,
                topic="organization",
                type="organization.updated",
                occurred_at=timezone.now(),
                data={"name": f"elsewhere {sent + i}", "timezone": "UTC"},
            )
            for i in range(due)
        )
        publisher.publish(rows)
        sent += due
    spent = time.monotonic() - began
    cpu_pct = (sum(cpu_seconds(w.pid) for w in webs) - cpu0) / spent * 100 / len(webs)
    client.stdin.write("\n")
    client.stdin.flush()
    client.wait(60)
    return {
        "unwanted_events_per_s": round(sent / spent),
        "tail_cpu_pct_per_process": round(cpu_pct, 1),
        "tail_cpu_pct_per_1k_events": round(cpu_pct / max(sent / spent / 1000, 1e-9), 2),
    }


def on_hosts(label: str, env: dict[str, str], machines, db_url: str, tenants, tokens, args, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    """Fan-out and resume with two web processes on each host, on one Redis deployment."""
    use_deployment(env)
    extra = {**env, "DATABASE_URL": db_url}
    started = [
        start_web(tmp / f"{label}-{h}-{k}", host=machines.address(h), wrapper=machines.wrapper(h), extra=extra)
        for h in (0, 1)
        for k in (0, 1)
    ]
    addresses = [address for _, address in started]
    try:
        publish_us = append_cost(tenants[-1])
        webs = [web for web, _ in started]
        fan = fan_out(tenants, tokens, addresses, args.subscribers, args.rate, args.seconds, tmp, webs)
        fan["publish_us"] = publish_us
        print(f"{label} fan-out:", fan, flush=True)
        caught_up = resume(tenants[0], tokens[0], addresses[1], args.resume)
        print(f"{label} resume:", caught_up, flush=True)
        tail = tail_cost(tenants[1], tokens[0], [w for w, _ in started], addresses, rate=2000)
        print(f"{label} tail cost:", tail, flush=True)
    finally:
        for web, _ in started:
            web.terminate()
            web.wait(20)
    return {**fan, **caught_up, **tail}


def across_hosts(args: argparse.Namespace) -> None:
    from bench.hosts import postgres_on, redis_cluster, single_redis, two_hosts

    tenants, tokens = prepare(args.tenants or 8)
    tmp = Path(tempfile.mkdtemp(prefix="oqim-bench-hosts-"))
    figures: dict[str, dict] = {}
    with (
        two_hosts() as machines,
        postgres_on(machines.service_ip, os.environ["DATABASE_URL"]) as db_url,
        single_redis(machines.service_ip, tmp) as single,
    ):
        run = (machines, db_url, tenants, tokens, args, tmp)
        figures["single"] = on_hosts("single", single, *run)
        with redis_cluster(machines.service_ip, tmp, single["REDIS_URL"]) as cluster:
            figures["cluster"] = on_hosts("cluster", cluster, *run)
    pairs = " ".join(f"{label}_{key}={value}" for label, f in figures.items() for key, value in _reported(f).items())
    single_f, cluster_f = figures["single"], figures["cluster"]
    print(
        f"RESULT hosts=2 web_processes=4 tenants={len(tenants)} subscribers={args.subscribers} rate={args.rate} "
        f"resume_events={args.resume} {pairs} "
        f"ratio_deliveries={cluster_f['deliveries_per_s'] / max(single_f['deliveries_per_s'], 1):.2f} "
        f"ratio_p99={cluster_f['p99_ms'] / max(single_f['p99_ms'], 1e-9):.2f} "
        f"ratio_resume={cluster_f['resume_s'] / max(single_f['resume_s'], 1e-9):.2f}"
    )


def _reported(f: dict) -> dict:
    return {
        "deliveries_per_s": f["deliveries_per_s"],
        "delivered": f"{f['delivered']}/{f['expected']}",
        "p50_ms": f["p50_ms"],
        "p99_ms": f["p99_ms"],
        "resume_s": f["resume_s"],
        "tail_cpu_pct_per_1k_events": f["tail_cpu_pct_per_1k_events"],
        "web_cpu_ms_per_1k": f["web_cpu_ms_per_1k"],
        "publish_us": f["publish_us"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--resume", type=int, default=10_000)
    parser.add_argument("--hosts", action="store_true", help="four web processes on two hosts: single Redis vs cluster")
    parser.add_argument("--tenants", type=int, default=0, help="organizations the events spread over (--hosts: 8)")
    # client-process options
    parser.add_argument("--client", choices=["fanout", "idle"])
    parser.add_argument("--ports", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    if args.hosts:
        across_hosts(args)
        return

    tenants, tokens = prepare(args.tenants or 1)
    tenant, token = tenants[0], tokens[0]
    tmp = Path(tempfile.mkdtemp(prefix="oqim-bench-rt-"))
    webs, ports = zip(*(start_web(tmp / str(i)) for i in range(2)), strict=True)
    try:
        full = fan_out(tenants, tokens, list(ports), args.subscribers, args.rate, args.seconds, tmp)
        print("fan-out full:", full, flush=True)
        half = fan_out(tenants, tokens, list(ports), args.subscribers, args.rate // 2, args.seconds, tmp)
        print("fan-out half:", half, flush=True)
        idle = connections(token, list(webs), list(ports), args.idle)
        print("connections:", idle, flush=True)
        caught_up = resume(tenant, token, ports[0], args.resume)
        print("resume:", caught_up, flush=True)
    finally:
        for web in webs:
            web.terminate()
            web.wait(20)
    print(
        "RESULT "
        f"subscribers={args.subscribers} rate={args.rate} deliveries_per_s={full['deliveries_per_s']} "
        f"delivered={full['delivered']}/{full['expected']} p50_ms={full['p50_ms']} p99_ms={full['p99_ms']} "
        f"half_deliveries_per_s={half['deliveries_per_s']} half_p50_ms={half['p50_ms']} half_p99_ms={half['p99_ms']} "
        f"idle_sockets={idle['idle_sockets']} kb_per_socket={idle['kb_per_socket']} "
        f"idle_cpu_pct={idle['idle_cpu_pct']} "
        f"resume_events={caught_up['resume_events']} resume_s={caught_up['resume_s']}"
    )


if __name__ == "__main__":
    main()
