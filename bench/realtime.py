"""Realtime benchmark: two web processes over PostgreSQL + Redis, real WebSocket clients.

    .venv/bin/python bench/realtime.py [--subscribers 100] [--rate 100] [--seconds 10]
                                       [--idle 5000] [--resume 10000] [--smoke]
    .venv/bin/python bench/realtime.py --hosts [--tenants 8] ...   # as root: across two hosts

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped)
unless DATABASE_URL / REDIS_URL say otherwise.

- lived-in first (``--fresh`` skips it; not with --hosts, whose Redis deployments are new):
  every topic stream at its MAXLEN, the firehose full, a day of outbox rows.
- fan-out: events emitted through the service API (``members.services.tenant_update``: a row, its
  outbox event, publish after commit) at --rate/s to --subscribers sockets split over the two
  processes; deliveries/s and emit-to-receive latency, at full and at half rate.
- connections: --idle authenticated sockets held; server memory per socket and idle CPU.
- resume: a client away for --resume events catches up; the time it takes.
- with --hosts: four web processes on two hosts (network namespaces, ``bench/harness/hosts.py``),
  fan-out and resume first on one Redis, then with the streams on a three-master Redis Cluster,
  at the same load, events spread over --tenants organizations (so over the cluster's shards).
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

from django.conf import settings  # noqa: E402

from bench.harness import cli, events, hosts, livedin, people, sockets  # noqa: E402
from bench.harness.domains import members  # noqa: E402
from bench.harness.measure import cpu_seconds, ms, rss_kb  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers  # noqa: E402
from realtime.streams import reset_streams  # noqa: E402


def fan_out(tenants: list, tokens: list[str], webs: list[Server], args: argparse.Namespace, rate: int) -> dict:
    """``rate`` events/s, each organization's in turn, to --subscribers sockets (each
    organization's share of them); deliveries/s and latency."""
    count = rate * args.seconds
    per_tenant = [len(range(n, args.subscribers, len(tenants))) for n in range(len(tenants))]
    expect = sum(per_tenant[i % len(tenants)] for i in range(count))
    addresses = [w.address for w in webs]
    client = sockets.spawn(
        "subscribers", addresses=addresses, tokens=tokens, subscribers=args.subscribers, expect=expect
    )
    cpu0 = sum(cpu_seconds(w.pid) for w in webs)
    began = time.monotonic()
    for i in range(count):
        time.sleep(max(0.0, began + i / rate - time.monotonic()))
        members.rename(tenants[i % len(tenants)], repr(time.time()))
    emitted_in = time.monotonic() - began
    client.wait(180)
    web_cpu_s = sum(cpu_seconds(w.pid) for w in webs) - cpu0
    found = client.figures()
    return {
        "emitted_per_s": round(count / emitted_in),
        "deliveries_per_s": round(found["received"] / max(emitted_in, 1e-9)),
        "delivered": found["received"],
        "expected": expect,
        "p50_ms": ms(found["latencies"], 0.50),
        "p99_ms": ms(found["latencies"], 0.99),
        # web processes' CPU per thousand deliveries (routing, frames, socket writes)
        "web_cpu_ms_per_1k": round(web_cpu_s * 1000 / max(found["received"] / 1000, 1e-9), 1),
    }


def connections(token: str, webs: list[Server], count: int, seconds: float) -> dict:
    """``count`` idle sockets: the servers' memory per socket and their CPU over ``seconds``."""
    before = sum(rss_kb(w.pid) for w in webs)
    client = sockets.spawn("idle", addresses=[w.address for w in webs], token=token, count=count)
    time.sleep(3)
    after = sum(rss_kb(w.pid) for w in webs)
    cpu0 = sum(cpu_seconds(w.pid) for w in webs)
    time.sleep(seconds)
    cpu1 = sum(cpu_seconds(w.pid) for w in webs)
    client.say("done")
    client.wait(60)
    return {
        "idle_sockets": count,
        "idle_closed": client.figures()["closed_early"],
        "kb_per_socket": round((after - before) / count, 1),
        "idle_cpu_pct": round((cpu1 - cpu0) / seconds * 100, 1),
    }


def resume(tenant, token: str, web: Server, backlog: int) -> dict:  # type: ignore[no-untyped-def]
    """A client away for ``backlog`` events comes back with its position: until it has them all."""

    async def position_now() -> str:
        ws = await sockets.open_socket(web.address, token)
        position = json.loads(await ws.recv())["position"]
        await ws.close()
        return position

    async def catch_up(position: str) -> tuple[float, int]:
        began, got = time.monotonic(), 0
        ws = await sockets.open_socket(web.address, token, since=position)
        async for raw in ws:
            if raw.startswith('{"type":"event"'):
                got += 1
                if got == backlog:
                    break
        await ws.close()
        return time.monotonic() - began, got

    position = asyncio.run(position_now())
    for start in range(0, backlog, 1000):
        events.publish(tenant.pk, range(start, min(start + 1000, backlog)))
    seconds, got = asyncio.run(asyncio.wait_for(catch_up(position), 120))
    return {"resume_events": backlog, "resumed": got, "resume_s": round(seconds, 2)}


def tail_cost(tenant, token: str, webs: list[Server], rate: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    """What tailing costs a web process for events none of its sockets want: one socket per
    process (of another organization) keeps its hub reading while ``rate`` events/s pass."""
    client = sockets.spawn("idle", addresses=[w.address for w in webs], token=token, count=len(webs))
    time.sleep(2)
    cpu0 = sum(cpu_seconds(w.pid) for w in webs)
    began, sent = time.monotonic(), 0
    while (elapsed := time.monotonic() - began) < seconds:
        due = int(elapsed * rate) - sent
        if due <= 0:
            time.sleep(0.01)
            continue
        events.publish(tenant.pk, range(sent, sent + due), "elsewhere")
        sent += due
    spent = time.monotonic() - began
    cpu_pct = (sum(cpu_seconds(w.pid) for w in webs) - cpu0) / spent * 100 / len(webs)
    client.say("done")
    client.wait(60)
    return {
        "unwanted_events_per_s": round(sent / spent),
        "tail_cpu_pct_per_process": round(cpu_pct, 1),
        "tail_cpu_pct_per_1k_events": round(cpu_pct / max(sent / spent / 1000, 1e-9), 2),
    }


def use_deployment(env: dict[str, str]) -> None:
    """Point this process's publishing at the Redis deployment the web processes use."""
    settings.REDIS_URL = env["REDIS_URL"]
    settings.REALTIME_REDIS_CLUSTER = env.get("REALTIME_REDIS_CLUSTER", "")
    settings.REALTIME_SHARDS = int(env.get("REALTIME_SHARDS", "1"))
    reset_streams()


def on_hosts(label: str, env: dict[str, str], machines, db_url: str, tenants, tokens, args) -> dict:  # type: ignore[no-untyped-def]
    """Fan-out, resume and tail cost with two web processes on each host, on one Redis deployment."""
    use_deployment(env)
    with Servers() as servers:
        webs = [
            web
            for h in (0, 1)
            for web in servers.web(
                2,
                name=f"{label}-{h}",
                host=machines.address(h),
                wrapper=machines.wrapper(h),
                env={**env, "DATABASE_URL": db_url},
            )
        ]
        publish_us = events.append_cost(tenants[-1].pk)
        fan = {**fan_out(tenants, tokens, webs, args, args.rate), "publish_us": publish_us}
        print(f"{label} fan-out:", fan, flush=True)
        caught_up = resume(tenants[0], tokens[0], webs[1], args.resume)
        print(f"{label} resume:", caught_up, flush=True)
        tail = tail_cost(tenants[1], tokens[0], webs, rate=args.tail_rate, seconds=args.tail_seconds)
        print(f"{label} tail cost:", tail, flush=True)
    return {**fan, **caught_up, **tail}


REPORTED = ("deliveries_per_s", "p50_ms", "p99_ms", "resume_s", "tail_cpu_pct_per_1k_events", "web_cpu_ms_per_1k")


def across_hosts(args: argparse.Namespace, report: Report) -> None:
    tenants, tokens = people.organizations(args.tenants or (2 if args.smoke else 8))
    run_dir = environment.run_dir()
    figures: dict[str, dict] = {}
    with (
        hosts.two_hosts() as machines,
        hosts.postgres_on(machines.service_ip, os.environ["DATABASE_URL"]) as db_url,
        hosts.single_redis(machines.service_ip, run_dir) as single,
    ):
        run = (machines, db_url, tenants, tokens, args)
        figures["single"] = on_hosts("single", single, *run)
        with hosts.redis_cluster(machines.service_ip, run_dir, single["REDIS_URL"]) as cluster:
            figures["cluster"] = on_hosts("cluster", cluster, *run)
    report.add(hosts=2, web_processes=4, tenants=len(tenants), subscribers=args.subscribers, rate=args.rate)
    report.add(resume_events=args.resume)
    for label, found in figures.items():
        report.add({f"{label}_{key}": found[key] for key in (*REPORTED, "publish_us")})
        report.add({f"{label}_delivered": f"{found['delivered']}/{found['expected']}"})
        report.check(f"{label}: every event delivered", found["delivered"] == found["expected"])
        report.check(f"{label}: the resumed client got every event", found["resumed"] == args.resume)
    single_f, cluster_f = figures["single"], figures["cluster"]
    report.add(
        ratio_deliveries=f"{cluster_f['deliveries_per_s'] / max(single_f['deliveries_per_s'], 1):.2f}",
        ratio_p99=f"{cluster_f['p99_ms'] / max(single_f['p99_ms'], 1e-9):.2f}",
        ratio_resume=f"{cluster_f['resume_s'] / max(single_f['resume_s'], 1e-9):.2f}",
    )


def on_one_host(args: argparse.Namespace, report: Report) -> None:
    tenants, tokens = people.organizations(args.tenants or 1)
    if not args.fresh:
        livedin.build(tenants[0].pk, smoke=args.smoke)
    with Servers() as servers:
        webs = servers.web(2)
        full = fan_out(tenants, tokens, webs, args, args.rate)
        print("fan-out full:", full, flush=True)
        half = fan_out(tenants, tokens, webs, args, args.rate // 2)
        print("fan-out half:", half, flush=True)
        idle = connections(tokens[0], webs, args.idle, args.idle_seconds)
        print("connections:", idle, flush=True)
        caught_up = resume(tenants[0], tokens[0], webs[0], args.resume)
        print("resume:", caught_up, flush=True)
    report.add(
        {
            "subscribers": args.subscribers,
            "rate": args.rate,
            "deliveries_per_s": full["deliveries_per_s"],
            "delivered": f"{full['delivered']}/{full['expected']}",
            "p50_ms": full["p50_ms"],
            "p99_ms": full["p99_ms"],
            "half_deliveries_per_s": half["deliveries_per_s"],
            "half_p50_ms": half["p50_ms"],
            "half_p99_ms": half["p99_ms"],
            **{k: idle[k] for k in ("idle_sockets", "kb_per_socket", "idle_cpu_pct")},
            "resume_events": caught_up["resume_events"],
            "resume_s": caught_up["resume_s"],
            "lived_in": not args.fresh,
        }
    )
    for name, found in (("full", full), ("half", half)):
        report.check(f"fan-out {name}: every event delivered", found["delivered"] == found["expected"])
    report.check("no idle socket closed", idle["idle_closed"] == 0, idle["idle_closed"])
    report.check("the resumed client got every event", caught_up["resumed"] == args.resume)


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--subscribers", full=100, smoke=10)
    parser.size("--rate", full=100, smoke=20, help="events/s")
    parser.size("--seconds", full=10, smoke=2)
    parser.size("--idle", full=5000, smoke=50, help="idle sockets")
    parser.size("--idle-seconds", full=10.0, smoke=2.0, type=float, help="seconds the idle CPU is measured")
    parser.size("--resume", full=10_000, smoke=200, help="events missed, then caught up")
    parser.size("--tail-rate", full=2000, smoke=200, help="--hosts: events/s no socket of a process wants")
    parser.size("--tail-seconds", full=10.0, smoke=2.0, type=float)
    parser.add_argument("--hosts", action="store_true", help="four web processes on two hosts: single Redis vs cluster")
    parser.add_argument(
        "--tenants", type=int, default=0, help="organizations the events spread over (--hosts: 8, --smoke 2)"
    )
    args = parser.parse()
    environment.fresh()
    report = Report()
    if args.hosts:
        across_hosts(args, report)
    else:
        on_one_host(args, report)
    report.emit(expect=["p99_ms", "resume_s"] if not args.hosts else ["single_p99_ms", "cluster_p99_ms"])


if __name__ == "__main__":
    main()
