"""Breadcrumbs benchmark: agents' phones and managers' dashboards on real WebSockets, two web
processes over PostgreSQL + Redis, on lived-in state; then tracks among 50 million points.

    .venv/bin/python bench/locations.py [--agents 1000] [--rate 2000] [--batch 1] [--seconds 20]
                                        [--dashboards 5] [--history 50000000] [--clients 70000]
                                        [--fences 1000] [--osmand-rate 200] [--osmand-devices 100]
                                        [--followers 20] [--targets oqim,naive,relay,echo]
                                        [--skip ingest,followers,clients,tracks,trips] [--keep] [--fresh] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench and redis://127.0.0.1:6379/14 (both wiped
unless --keep reuses what an earlier run built).

- lived-in first (``--fresh`` skips it): every topic stream at its MAXLEN, the firehose full, a
  day of outbox rows, --clients clients (each a zone of its agent, judged by the ingest), and, when
  tracks or trips are measured, --history points (daily partitions, 500 agents with their
  states, 2,500 fixes an agent-day).
- ingest (bench/field/ingest.py): --agents sockets send --rate points/s in all, each agent one
  ``location`` frame of --batch points per --batch*agents/rate seconds; --dashboards managers'
  sockets subscribed to ``agents.locations``. Accepted points/s, acked-after-durable p50/p99
  (send → ``location_ack``), ingest-to-dashboard p50/p99 (send → the event carrying the point),
  points persisted vs sent, each dashboard's distinct points and duplicates, points refused
  (``unavailable``: the phone keeps them and sends them again), web CPU and memory. With Oqim,
  --fences geofences (circles and squares on the agents' paths, a tenth of them territories
  their agent walks out of) besides the clients' zones, so every fix is judged against them; the
  dashboards measure send → ``geofence.*`` event. Side by side, --osmand-devices tracker apps
  send --osmand-rate points/s over HTTP to the OsmAnd endpoint (accepted/s, answer p50/p99: the
  answer comes after the commit). ``--targets`` runs the same generator against the peers in
  bench/peers/ too, one after the other (PEER lines).
- followers: the same ingest again, same state, with --followers webhook endpoints and as many
  notification rules on other event types (sales, alarms): ``ingest_followers_ratio`` is its
  accepted points/s over the first run's (events nobody follows must cost nothing more).
- tracks: one agent-day's track (``selectors.track``, as the API answers it) for random agents
  and days, before and after the nightly clustering, and the last position of every agent.
- trips: trips and stops of one agent-day (``selectors.day_movement``, as the API answers it).
- clients: a list page and searches through the REST stack.
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench", redis_db=14)
environment.setup()

from django.db.utils import OperationalError  # noqa: E402

from bench.field import ingest, reads  # noqa: E402
from bench.harness import cli, livedin, people  # noqa: E402
from bench.harness.domains import clients, notifications, tracking, webhooks  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from core.models import Organization  # noqa: E402
from core.roles import Role  # noqa: E402

PHASES = ("ingest", "followers", "clients", "tracks", "trips")
# Followers of events the ingest never emits: what the fan-out must not make the ingest pay for.
ENDPOINT_TYPES = ("sale.recorded", "sale.returned", "order.status_changed", "stock.low", "visit.checked_in")
RULE_TYPES = ("alarm.outside_territory", "alarm.variance", "alarm.provider_errors", "alarm.webhook_failing")


def kept() -> Organization | None:
    """The bench organization an earlier run left, if its database is still there."""
    try:
        return Organization.objects.filter(slug="bench-0").first()
    except OperationalError:
        return None


def lived_in(tenant: Organization, args: argparse.Namespace, plan: tracking.History, skip: set[str]) -> dict:
    built = livedin.build(tenant.pk, smoke=args.smoke)
    clients.generate(tenant, args.clients)
    built["clients"] = args.clients
    if not {"tracks", "trips"} <= skip:
        built.update(tracking.history(tenant, plan))
        print("lived-in history:", {k: v for k, v in built.items() if k.startswith(("history", "generated"))})
    return built


def prepare(args: argparse.Namespace, plan: tracking.History, skip: set[str]) -> tuple[Organization, dict]:
    tenant = kept() if args.keep else None
    if tenant is not None:
        built = {} if args.fresh else livedin.redis_history(tenant.pk, smoke=args.smoke)  # topped up to the caps
        if not {"tracks", "trips"} <= skip and not tracking.agents_on(plan.last, limit=1):
            built.update(tracking.history(tenant, plan))
        return tenant, built
    environment.fresh()
    tenant = people.organizations(1)[0][0]
    return tenant, ({} if args.fresh else lived_in(tenant, args, plan, skip))


def follow(tenant: Organization, count: int) -> None:
    """``count`` webhook endpoints and ``count`` notification rules, on events of other kinds."""
    admin = people.existing(tenant.pk, Role.ADMIN, 1)[0].user
    urls = [f"http://127.0.0.1:9/hook-{n}" for n in range(count)]  # never called: nothing they want happens
    for n, url in enumerate(urls):
        webhooks.endpoints(tenant, admin, [url], [ENDPOINT_TYPES[n % len(ENDPOINT_TYPES)]])
    notifications.rules(tenant, [[RULE_TYPES[n % len(RULE_TYPES)]] for n in range(count)], [Role.MANAGER])


def unfollow(tenant: Organization) -> None:
    webhooks.remove_endpoints(tenant.pk)
    notifications.remove_rules(tenant.pk)


def ingest_phases(tenant: Organization, args: argparse.Namespace, skip: set[str], report: Report) -> list[dict]:
    """Every target's ingest (Oqim's first, with no followers), then Oqim's again with followers."""
    unfollow(tenant)  # a kept database may hold an earlier run's
    runs = []
    load = ingest.oqim_load(tenant, args)
    for target in args.targets.split(","):
        found = ingest.run(tenant, args, target, load if target == "oqim" else ingest.peer_load(args))
        print("ingest:", found, flush=True)
        ingest.check(report, found)
        runs.append(found)
    report.add(runs[0])
    if "followers" not in skip and runs[0]["target"] == "oqim":
        follow(tenant, args.followers)
        found = ingest.run(tenant, args, "oqim", load)
        print("ingest with followers:", found, flush=True)
        ingest.check(report, {**found, "target": "oqim with followers"})
        base = runs[0]
        report.add(
            followers_endpoints=webhooks.endpoint_count(tenant.pk),
            followers_rules=notifications.rule_count(tenant.pk),
            followers_accepted_per_s=found["accepted_per_s"],
            followers_ack_p50_ms=found["ack_p50_ms"],
            followers_ack_p99_ms=found["ack_p99_ms"],
            ingest_followers_ratio=f"{found['accepted_per_s'] / max(1, base['accepted_per_s']):.2f}",
            ack_p99_followers_ratio=f"{found['ack_p99_ms'] / max(1e-9, base['ack_p99_ms']):.2f}",
        )
        unfollow(tenant)
    return runs[1:]


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--agents", full=1000, smoke=40)
    parser.size("--rate", full=2000, smoke=80, help="points/s in all")
    parser.size("--batch", full=1, smoke=2, help="points a frame")
    parser.size("--seconds", full=20.0, smoke=2.0, type=float)
    parser.size("--dashboards", full=5, smoke=2)
    parser.size("--history", full=50_000_000, smoke=10_000, help="points of the history (tracks, trips)")
    parser.size("--history-agents", full=500, smoke=20)
    parser.size("--per-day", full=2500, smoke=250, help="fixes an agent-day in the history")
    parser.size("--clients", full=70_000, smoke=500)
    parser.size("--fences", full=1000, smoke=40)
    parser.size("--osmand-rate", full=200, smoke=10, help="points/s through the OsmAnd endpoint")
    parser.size("--osmand-devices", full=100, smoke=5)
    parser.size("--followers", full=20, smoke=20, help="webhook endpoints, and as many notification rules")
    parser.size("--samples", full=200, smoke=8, help="tracks timed (trips: a quarter)")
    parser.size("--client-rounds", full=100, smoke=3, help="rounds of the clients' list and searches")
    parser.size("--targets", full="oqim", smoke="oqim,naive,relay,echo", type=str, help="oqim and peers")
    parser.add_argument("--skip", default="", help=f"comma-separated phases to skip: {','.join(PHASES)}")
    parser.add_argument("--keep", action="store_true", help="reuse the lived-in database an earlier run built")
    args = parser.parse()
    skip = cli.phases(args.skip)
    plan = tracking.History(args.history, args.history_agents, args.per_day)
    tenant, built = prepare(args, plan, skip)
    report = Report()
    report.add(built)
    peers = ingest_phases(tenant, args, skip, report) if "ingest" not in skip else []
    if "clients" not in skip and not args.fresh:
        report.phase("clients", reads.clients(tenant, args.client_rounds))
    if "tracks" not in skip and not args.fresh:
        report.phase("tracks", reads.tracks(tenant, plan, args.samples))
    if "trips" not in skip and not args.fresh:
        report.phase("trips", reads.trips(tenant, plan, max(1, args.samples // 4)))
    for run in peers:
        print("PEER " + " ".join(f"{k}={v}" for k, v in run.items()), flush=True)
    expect = ["accepted_per_s", "ack_p99_ms", "dashboard_p99_ms"] if "ingest" not in skip else []
    expect += ["ingest_followers_ratio"] if not {"ingest", "followers"} & skip else []
    report.emit(expect=expect)


if __name__ == "__main__":
    main()
