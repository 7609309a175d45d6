"""Operator view of the realtime layer: outbox lag, streams, and every web process's sockets."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from realtime.hub import PROCESS_PREFIX
from realtime.selectors import outbox_lag
from realtime.streams import streams


class Command(BaseCommand):
    help = "Show outbox lag, stream lengths and (services mode) each web process's sockets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="One JSON document instead of text.")
        parser.add_argument("--top", type=int, default=20, help="Longest streams to list (default 20).")

    def handle(self, *args: object, **options: Any) -> None:
        store = streams()
        report: dict[str, Any] = {
            "outbox": outbox_lag(),
            "firehose_length": store.firehose_length(),
            "streams": sorted(store.stream_stats(), key=lambda s: -s["length"])[: int(options["top"])],
            "processes": self._processes(store),
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        lag = report["outbox"]
        self.stdout.write(f"outbox: {lag['pending']} pending, oldest {lag['oldest_age_seconds']} s")
        self.stdout.write(f"firehose: {report['firehose_length']} events")
        self.stdout.write("streams (tenant topic length):")
        for s in report["streams"]:
            self.stdout.write(f"  {s['tenant']:>6} {s['topic']:<20} {s['length']}")
        if report["processes"] is None:
            self.stdout.write("web processes: embedded mode keeps sockets inside `manage.py web`; ask it at /metrics")
            return
        self.stdout.write(f"web processes: {len(report['processes'])}")
        for name, snap in sorted(report["processes"].items()):
            self.stdout.write(
                f"  {name}: {snap['connections']} sockets, {snap['subscriptions']} subscriptions "
                f"{snap['subscriptions_by_topic']}, {snap['deliveries']} deliveries, "
                f"{snap['closed_too_slow']} closed too slow"
            )

    @staticmethod
    def _processes(store: object) -> dict | None:
        if not settings.REDIS_URL:
            return None
        client = store.client  # type: ignore[attr-defined]
        keys = sorted(client.scan_iter(match=f"{PROCESS_PREFIX}*", count=1000))
        pipe = client.pipeline(transaction=False)  # GETs, not MGET: a cluster's keys span slots
        for key in keys:
            pipe.get(key)
        values = pipe.execute() if keys else []
        return {k[len(PROCESS_PREFIX) :]: json.loads(v) for k, v in zip(keys, values, strict=True) if v}
