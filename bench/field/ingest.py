"""The GPS ingest: --agents phones' sockets sending --rate points/s, --dashboards managers'
sockets counting them, --osmand-devices tracker apps over HTTP beside them, against Oqim's two
web processes or a peer (bench/peers); the figures of one run, and what must hold."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from typing import Any

from bench.harness import http, peers, people, sockets
from bench.harness.domains import geofencing, tracking
from bench.harness.measure import cpu_by_group, cpu_spent, ms, rss_kb
from bench.harness.result import Report
from bench.harness.servers import Server, Servers
from core.models import Organization
from core.roles import Role


@dataclass
class Load:
    """Who sends and who watches: the tokens of a run."""

    phones: list[str]
    dashboards: list[str]
    devices: list[str] = field(default_factory=list)


def oqim_load(tenant: Organization, args: argparse.Namespace) -> Load:
    """Oqim's agents and managers (and the fences on the agents' paths, and tracker devices)."""
    walkers = tracking.agents(tenant, args.agents)
    managers = people.members(tenant, Role.MANAGER, args.dashboards)
    geofencing.fences(tenant, walkers, args.fences)
    devices = tracking.devices(tenant, args.osmand_devices) if args.osmand_rate else []
    return Load(people.tokens(walkers), people.tokens(managers), devices)


def peer_load(args: argparse.Namespace) -> Load:
    return Load(
        [f"peer-{n}" for n in range(1, args.agents + 1)], [f"peer-dashboard-{n}" for n in range(args.dashboards)]
    )


def server_figures(webs: list[Server]) -> dict[str, Any]:
    """Oqim's own counters, summed over the web processes (their /metrics)."""
    totals: dict[str, float] = {}
    for web in webs:
        for name, value in http.metrics(web).items():
            totals[name] = totals.get(name, 0) + value
    batches = totals.get("oqim_locations_batches_total", 0)
    return {
        "frames_per_batch": round(totals.get("oqim_locations_frames_total", 0) / batches, 1) if batches else 0,
        "shed": round(totals.get("oqim_locations_shed_total", 0)),
        "events_routed": round(totals.get("oqim_realtime_events_routed_total", 0)),
        "frames_to_dashboards": round(totals.get("oqim_realtime_deliveries_total", 0)),
    }


def start(servers: Servers, target: str) -> list[Server]:
    return servers.web(2) if target == "oqim" else peers.start(servers, target)


def generate(webs: list[Server], load: Load, args: argparse.Namespace, target: str) -> dict[str, Any]:
    """The generators against ``webs``: from go until the phones are done and the dashboards
    have seen the last points; their figures, and the servers' CPU and memory."""
    addresses = [w.address for w in webs]
    watch = sockets.spawn("dashboards", addresses=addresses, tokens=load.dashboards)
    send = sockets.spawn(
        "phones", addresses=addresses, tokens=load.phones, rate=args.rate, batch=args.batch, seconds=args.seconds
    )
    tracked = None
    if load.devices:
        tracked = sockets.spawn(
            "trackers", addresses=addresses, tokens=load.devices, rate=args.osmand_rate, seconds=args.seconds
        )
    time.sleep(1)
    groups = {"server": [w.pid for w in webs]}
    cpu0, began = cpu_by_group(groups), time.monotonic()
    print(f"{target}: phones go", flush=True)
    sockets.go(watch, send, *([tracked] if tracked else []))
    send.wait(args.seconds + 120)
    if tracked:
        tracked.wait(args.seconds + 120)
    elapsed = time.monotonic() - began
    cpu = cpu_spent(cpu0, cpu_by_group(groups))
    rss = [rss_kb(w.pid) // 1024 for w in webs]
    watch.say("done")
    watch.wait(60)
    return {
        "sent": send.figures(),
        "seen": watch.figures(),
        "tracked": tracked.figures() if tracked else None,
        "cpu_pct": {f"{k}_cpu_pct": round(v / elapsed * 100) for k, v in cpu.items()},
        "rss": rss,
        "server": server_figures(webs) if target == "oqim" else {},
    }


def run(tenant: Organization, args: argparse.Namespace, target: str, load: Load) -> dict[str, Any]:
    """One run against ``target``; its figures (the keys docs/benchmarks.md quotes)."""
    before = tracking.live_points(tenant) if target == "oqim" else 0  # a peer's store starts empty
    if target == "oqim":
        tracking.vacuum_hot_tables()
    with Servers() as servers:
        got = generate(start(servers, target), load, args, target)
    stored = tracking.live_points(tenant) if target == "oqim" else peers.persisted(target)
    sent, seen = got["sent"], got["seen"]
    by_second: dict[int, list[float]] = {}
    for at, latency in zip(sent["ack_at"], sent["acks"], strict=True):
        by_second.setdefault(int(at), []).append(latency)
    print("ack p99 per second (ms):", " ".join(str(ms(v, 0.99)) for _k, v in sorted(by_second.items())), flush=True)
    return {
        "target": target,
        "agents": args.agents,
        "batch": args.batch,
        "target_rate": args.rate,
        **{k: sent[k] for k in ("sent", "acked", "stored", "duplicates", "unsent", "refused", "filtered")},
        "errors": "+".join(f"{k}:{v}" for k, v in sent["errors"].items()) or "0",
        "persisted": "-" if stored is None else stored - before,
        "accepted_per_s": round(sent["acked"] / sent["elapsed"]),
        "ack_p50_ms": ms(sent["acks"], 0.5),
        "ack_p99_ms": ms(sent["acks"], 0.99),
        **dashboard_figures(seen, target),
        **got["server"],
        **got["cpu_pct"],
        "generator_cpu_pct": round((sent["cpu_s"] + seen["cpu_s"]) / sent["elapsed"] * 100),
        "server_rss_mb": "+".join(map(str, got["rss"])),
        **fence_figures(seen, args),
        **osmand_figures(got["tracked"]),
    }


def dashboard_figures(seen: dict[str, Any], target: str) -> dict[str, Any]:
    if target == "echo":  # bare daphne sends the dashboards nothing: no figures, not NaN ones
        return {"dashboard_p50_ms": "-", "dashboard_p99_ms": "-", "dashboard_distinct_min": "-"}
    return {
        "dashboard_p50_ms": ms(seen["latencies"], 0.5),
        "dashboard_p99_ms": ms(seen["latencies"], 0.99),
        "dashboard_distinct_min": min(seen["distinct"], default=0),
        "dashboard_duplicates": sum(seen["received"]) - sum(seen["distinct"]),
        "dashboards_closed": len(seen["closed"]),
        "dashboards_failed": len(seen["failures"]),
    }


def fence_figures(seen: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    if not seen.get("fence_latencies"):
        return {}
    return {
        "fences": args.fences,
        "fence_events": len(seen["fence_latencies"]),
        "fence_event_p50_ms": ms(seen["fence_latencies"], 0.5),
        "fence_event_p99_ms": ms(seen["fence_latencies"], 0.99),
    }


def osmand_figures(tracked: dict[str, Any] | None) -> dict[str, Any]:
    if not tracked:
        return {}
    return {
        "osmand_accepted": tracked["accepted"],
        "osmand_accepted_per_s": round(tracked["accepted"] / tracked["elapsed"]),
        "osmand_failed": tracked["failed"],
        "osmand_p50_ms": ms(tracked["answers"], 0.5),
        "osmand_p99_ms": ms(tracked["answers"], 0.99),
    }


def check(report: Report, found: dict[str, Any]) -> None:
    """What must hold after a run: every point sent acknowledged (or still held by its phone);
    Oqim's and the naive peer's acknowledged points stored, once; every dashboard got every
    stored point (the tracker apps' too)."""
    name = found["target"]
    held = found["acked"] + found["unsent"]
    report.check(f"{name}: points sent = acknowledged + held by the phones", found["sent"] == held, found)
    kinds = {e.split(":")[0] for e in found["errors"].split("+")} - {"0", "unavailable"}
    report.check(f"{name}: no error frames but refusals", not kinds, found["errors"])
    if found["persisted"] != "-":  # the phones' points (the tracker apps' are stored as theirs)
        report.check(f"{name}: acknowledged points stored", found["persisted"] == found["stored"], found)
    expected = found["stored"] + found.get("osmand_accepted", 0)
    if found["dashboard_distinct_min"] != "-":
        report.check(f"{name}: every dashboard got every point", found["dashboard_distinct_min"] == expected, found)
        closed = found["dashboards_closed"] + found["dashboards_failed"]
        report.check(f"{name}: no dashboard closed or failed", closed == 0, closed)
    report.check(f"{name}: some points accepted", found["accepted_per_s"] > 0)
