"""Our own plumbing against the well-kept library that does the same job, in one run
(docs/decisions.md, "Libraries measured against our plumbing").

- ASGI→WSGI: ``realtime.server.http.ThreadedWSGI`` vs ``a2wsgi.WSGIMiddleware``, each as the HTTP
  side of the same ``manage.py web`` (the same thread count), driven by wrk on ``/health/`` and on
  ``GET /api/me/`` with a Bearer token; rounds alternate the two. Then the behaviours the server
  relies on, checked in-process on both (the checks of tests/realtime/test_server_http.py).
- JSON logging: ``core.logging.JsonFormatter`` vs ``pythonjsonlogger.json.JsonFormatter`` set up
  for the same fields: the request-id filter plus one formatted access-log line, timed over
  ``--records`` records (best of 3), and both outputs for a hostile line.
- Prometheus: ``realtime.metrics.prometheus_text`` (what ``/metrics`` answers) vs
  ``prometheus_client.generate_latest`` over a collector reading the same figures, and the
  client's default registry (process, platform, GC).

    .venv/bin/python bench/plumbing.py [--connections 16] [--seconds 8] [--rounds 2] [--records 100000]
    .venv/bin/python bench/plumbing.py --smoke        # seconds, to check it still runs

Needs wrk (Debian: apt install wrk) and requirements-dev.txt. Embedded (SQLite) unless
DATABASE_URL and REDIS_URL are set. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import statistics
import sys
import threading
import timeit
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.harness import cli, http, people  # noqa: E402
from bench.harness.measure import cpu_seconds  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Servers, wait_for_http  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.net import free_port  # noqa: E402

ADAPTERS = ("ours", "a2wsgi")
# A message with quotes, a newline, Uzbek Latin and Cyrillic: how each formatter escapes them.
HOSTILE = 'Buyurtma "O\u02bbzbekiston"\n\u043a\u0443\u0445\u043d\u044f'


def a2wsgi_adapter(app: Any, threads: int) -> Any:
    from a2wsgi import WSGIMiddleware

    return WSGIMiddleware(app, workers=threads)


def serve(adapter: str, port: int) -> None:
    """In the server subprocess: ``manage.py web`` with ``adapter`` as its HTTP side."""
    from realtime.server.asgi import application

    if adapter == "a2wsgi":
        application.application_mapping["http"] = a2wsgi_adapter(WSGIHandler(), settings.WEB_THREADS)
    call_command("web", "--port", str(port), "--host", "127.0.0.1")


def prepare() -> str:
    """One admin in a fresh database; returns an access token."""
    tenant = people.organization("plumbing", "Plumbing")
    return people.token(people.member(tenant, Role.ADMIN, "plumbing-admin"))


def http_load(token: str, args: argparse.Namespace) -> dict[str, dict[str, list]]:
    endpoints = {"health": ("/health/", None), "me": ("/api/me/", token)}
    found: dict[str, dict[str, list]] = {a: {**{e: [] for e in endpoints}, "stop_s": []} for a in ADAPTERS}
    for round_ in range(args.rounds):
        for adapter in ADAPTERS if round_ % 2 == 0 else reversed(ADAPTERS):
            with Servers() as servers:
                port = free_port()
                server = servers.start(adapter, [__file__, "--serve", adapter, "--port", str(port)], port=port)
                wait_for_http(server, "/health/")
                http.wrk(server, "/health/", None, 4, 1, None)  # warm up
                for name, (path, auth) in endpoints.items():
                    cpu0 = cpu_seconds(server.pid)
                    result = http.wrk(server, path, auth, args.connections, args.seconds, None)
                    result["cpu_pct"] = round((cpu_seconds(server.pid) - cpu0) / args.seconds * 100)
                    found[adapter][name].append(result)
                    print(f"round {round_ + 1} {adapter:7} {name:6} {result}", flush=True)
                # Seconds from SIGINT to exit; a server still up after the timeout is killed (and counted as hung).
                found[adapter]["stop_s"].append(servers.stop(server, signal.SIGINT, timeout=args.stop_timeout))
    return found


# -- behaviours, in-process (the checks of tests/realtime/test_server_http.py)


class Client:
    def __init__(self, chunks: list[bytes], pause: float = 0.0) -> None:
        self.chunks, self.pause, self.received = chunks, pause, 0
        self.sent: list[dict] = []
        self.marks: list[str] = []
        self.on_send: Callable[[dict], Any] = lambda message: None

    async def receive(self) -> dict:
        self.received += 1
        await asyncio.sleep(self.pause)
        if self.received > len(self.chunks):
            return {"type": "http.disconnect"}
        more = self.received < len(self.chunks)
        if not more:
            self.marks.append("body complete")
        return {"type": "http.request", "body": self.chunks[self.received - 1], "more_body": more}

    async def send(self, message: dict) -> None:
        self.sent.append(message)
        self.on_send(message)


def run(adapter: str, app: Callable, client: Client, method: str = "GET", limit: int = 1000) -> None:
    from realtime.server.http import ThreadedWSGI

    asgi = ThreadedWSGI(app, threads=2, max_body_bytes=limit) if adapter == "ours" else a2wsgi_adapter(app, 2)
    scope = {"type": "http", "method": method, "path": "/", "headers": [], "query_string": b"", "http_version": "1.1"}
    try:
        asyncio.run(asyncio.wait_for(asgi(scope, client.receive, client.send), 10))
    except Exception as exc:  # a behaviour the adapter lacks may end in an error; that is the answer
        client.sent.append({"type": "error", "error": repr(exc)})


def behaviours(adapter: str) -> dict[str, bool]:
    from core.errors import DATABASE_LOST
    from realtime.server.http import EVENT_LOOP

    seen: list[dict] = []

    def ok(environ: dict, start_response: Callable) -> list[bytes]:
        seen.append(environ)
        start_response("200 OK", [])
        return [b"ok"]

    # 1,000 bytes allowed, 4,000 sent in ten chunks: answered after the third, the view never run.
    big = Client([b"a" * 400] * 10)
    run(adapter, ok, big, "POST")
    early_413 = big.sent[0].get("status") == 413 and big.received == 3 and not seen

    # A slow upload: does the view (a pool thread) start before the body is complete?
    slow = Client([b"a"] * 4, pause=0.05)

    def reading(environ: dict, start_response: Callable) -> list[bytes]:
        slow.marks.append("view")
        environ["wsgi.input"].read()
        return ok(environ, start_response)

    run(adapter, reading, slow, "POST")

    first = threading.Event()

    def large(environ: dict, start_response: Callable) -> Iterable[bytes]:
        start_response("200 OK", [])
        yield b"a" * 300_000
        yield b"b" * 300_000 if first.wait(3) else b"late"

    streamed = Client([b""])
    streamed.on_send = lambda message: message.get("body", b"").startswith(b"a") and first.set()
    run(adapter, large, streamed)

    runs: list[str] = []

    def losing(environ: dict, start_response: Callable) -> list[bytes]:
        runs.append(environ["REQUEST_METHOD"])
        if len(runs) == 1:
            environ[DATABASE_LOST] = True
        return ok(environ, start_response)

    run(adapter, losing, Client([b""]))
    return {
        "413_before_reading_all": early_413,
        "thread_taken_after_body": slow.marks[:2] == ["body complete", "view"],
        "streams_large_answers": first.is_set(),
        "event_loop_in_environ": EVENT_LOOP in seen[-1],
        "retries_lost_database_reads": runs == ["GET", "GET"],
    }


# -- logging


def logging_cost(records: int) -> dict[str, Any]:
    from pythonjsonlogger.json import JsonFormatter as LibraryFormatter

    from core.logging import JsonFormatter, RequestContextFilter, request_id_var

    request_id_var.set(uuid.uuid4().hex)
    extra = {"method": "GET", "path": "/api/me/", "status": 200, "duration_ms": 3.21}
    record = logging.getLogger("oqim.access").makeRecord("oqim.access", logging.INFO, __file__, 1, "request", (), None)
    record.__dict__.update(extra)
    context = RequestContextFilter()
    ours = JsonFormatter()
    library = LibraryFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="ts",
    )
    result: dict[str, Any] = {}
    for name, formatter in (("ours", ours), ("library", library)):
        timer = timeit.Timer(lambda f=formatter: (context.filter(record), f.format(record)))
        best = min(timer.repeat(repeat=3, number=records))
        result[f"{name}_us"] = round(best / records * 1e6, 2)
        result[f"{name}_line"] = formatter.format(record)
    hostile = logging.getLogger("x").makeRecord("oqim.orders", logging.ERROR, __file__, 1, HOSTILE, (), _exc_info())
    hostile.__dict__.update({"at": datetime(2026, 3, 1, 8, tzinfo=UTC), "amount": Decimal("1.50")})
    hostile.__dict__["id"] = uuid.UUID(int=1)
    context.filter(hostile)
    result["ours_hostile"] = ours.format(hostile)
    result["library_hostile"] = library.format(hostile)
    return result


def _exc_info() -> Any:
    try:
        raise ValueError("boom")
    except ValueError:
        return sys.exc_info()


# -- metrics


def metrics_cost(scrapes: int) -> dict[str, Any]:
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    from realtime.hub import local_hubs
    from realtime.inbound import COUNTERS
    from realtime.metrics import prometheus_text
    from realtime.selectors import outbox_lag
    from realtime.streams import streams

    class Same:
        """prometheus_client's collector for the figures realtime.metrics gives, read the same way."""

        def collect(self) -> Iterable[Any]:
            totals: Counter[str] = Counter()
            topics: Counter[str] = Counter()
            for hub in local_hubs():
                snapshot = hub.snapshot()
                topics.update(snapshot.pop("subscriptions_by_topic"))
                totals.update(snapshot)
            lag = outbox_lag()
            yield GaugeMetricFamily("oqim_realtime_connections", "Open WebSockets.", value=totals["connections"])
            by_topic = GaugeMetricFamily("oqim_realtime_subscriptions", "Topic subscriptions.", labels=["topic"])
            for topic, count in sorted(topics.items()):
                by_topic.add_metric([topic], count)
            yield by_topic
            for name in ("events_routed", "deliveries", "closed_too_slow", "connections_total"):
                yield CounterMetricFamily(f"oqim_realtime_{name.removesuffix('_total')}", name, value=totals[name])
            yield GaugeMetricFamily("oqim_outbox_pending", "Unpublished events.", value=lag["pending"])
            yield GaugeMetricFamily("oqim_outbox_oldest_age_seconds", "Oldest.", value=lag["oldest_age_seconds"])
            yield GaugeMetricFamily("oqim_realtime_firehose_length", "Firehose.", value=streams().firehose_length())
            for name, (text, read) in sorted(COUNTERS.items()):
                yield CounterMetricFamily(f"oqim_{name}", text, value=read())

    registry = CollectorRegistry()
    registry.register(Same())
    timed = {
        "ours": prometheus_text,
        "library_same_figures": lambda: generate_latest(registry),
        "library_default_registry": lambda: generate_latest(REGISTRY),
    }
    result: dict[str, Any] = {}
    for name, scrape in timed.items():
        best = min(timeit.Timer(scrape).repeat(repeat=3, number=scrapes))
        result[f"{name}_ms"] = round(best / scrapes * 1000, 3)
    result["default_registry_families"] = sorted({f.name for f in REGISTRY.collect()})
    ours, theirs = prometheus_text().splitlines(), generate_latest(registry).decode().splitlines()
    result["same_samples"] = sorted(x.rsplit(" ", 1)[0] for x in ours if not x.startswith("#")) == sorted(
        x.rsplit(" ", 1)[0] for x in theirs if not x.startswith("#")
    )
    return result


def report_http(report: Report, found: dict[str, dict[str, list]], hung: float) -> None:
    for adapter, endpoints in found.items():
        stops = endpoints.pop("stop_s")
        report.add({f"{adapter}_stop_s": max(stops), f"{adapter}_stops_hung": f"{stops.count(hung)}/{len(stops)}"})
        for endpoint, runs in endpoints.items():
            report.add(
                {
                    f"{adapter}_{endpoint}_rps": round(statistics.mean(r["rps"] for r in runs)),
                    f"{adapter}_{endpoint}_p99_ms": round(statistics.mean(r["p99_ms"] for r in runs), 1),
                    f"{adapter}_{endpoint}_errors": sum(r["errors"] for r in runs),
                }
            )
            report.check(f"{adapter} {endpoint}: no errors", all(r["errors"] == 0 for r in runs))
            report.check(f"{adapter} {endpoint}: answered", all(r["rps"] > 0 for r in runs))


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--connections", full=16, smoke=4)
    parser.size("--seconds", full=8.0, smoke=1.0, type=float)
    parser.size("--rounds", full=2, smoke=1)
    parser.size("--records", full=100_000, smoke=1_000, help="log records formatted")
    parser.size("--scrapes", full=200, smoke=10, help="/metrics texts built")
    parser.size("--stop-timeout", full=30.0, smoke=5.0, type=float, help="seconds a server gets to stop on SIGINT")
    parser.add_argument("--serve", choices=ADAPTERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse()
    if args.serve:
        serve(args.serve, args.port)
        return
    environment.fresh()
    token = prepare()
    found = http_load(token, args)
    checks = {adapter: behaviours(adapter) for adapter in ADAPTERS}
    logs = logging_cost(args.records)
    metrics = metrics_cost(args.scrapes)
    for adapter, kept in checks.items():
        print(adapter, kept)
    for key, value in {**logs, **metrics}.items():
        print(f"{key}: {value}")
    report = Report()
    report.add(connections=args.connections, seconds=args.seconds, rounds=args.rounds)
    report_http(report, found, args.stop_timeout)
    report.add({f"{adapter}_keeps": f"{sum(kept.values())}/{len(kept)}" for adapter, kept in checks.items()})
    report.add({f"log_{key}": value for key, value in logs.items() if key.endswith("_us")})
    report.add({f"metrics_{key}": value for key, value in metrics.items() if key.endswith("_ms")})
    report.check("our thread pool keeps every behaviour", all(checks["ours"].values()), checks["ours"])
    report.check("/metrics and prometheus_client give the same samples", metrics["same_samples"])
    report.emit(expect=["ours_health_rps", "a2wsgi_health_rps", "log_ours_us", "metrics_ours_ms"])


if __name__ == "__main__":
    main()
