"""Prometheus exposition of this process's realtime figures (no client library needed)."""

from __future__ import annotations

from collections import Counter

from realtime.hub import local_hubs
from realtime.inbound import COUNTERS
from realtime.selectors import outbox_lag
from realtime.streams import streams


def prometheus_text() -> str:
    totals: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for hub in local_hubs():
        snapshot = hub.snapshot()
        topics.update(snapshot.pop("subscriptions_by_topic"))
        totals.update(snapshot)
    connections = totals["connections"]
    lag = outbox_lag()
    lines = [
        "# HELP oqim_realtime_connections Open WebSockets on this process.",
        "# TYPE oqim_realtime_connections gauge",
        f"oqim_realtime_connections {connections}",
        "# HELP oqim_realtime_subscriptions Topic subscriptions on this process.",
        "# TYPE oqim_realtime_subscriptions gauge",
        *(f'oqim_realtime_subscriptions{{topic="{topic}"}} {count}' for topic, count in sorted(topics.items())),
        "# HELP oqim_realtime_events_routed_total Firehose events this process routed.",
        "# TYPE oqim_realtime_events_routed_total counter",
        f"oqim_realtime_events_routed_total {totals['events_routed']}",
        "# HELP oqim_realtime_deliveries_total Event frames queued to sockets.",
        "# TYPE oqim_realtime_deliveries_total counter",
        f"oqim_realtime_deliveries_total {totals['deliveries']}",
        "# HELP oqim_realtime_closed_too_slow_total Sockets closed because they did not read.",
        "# TYPE oqim_realtime_closed_too_slow_total counter",
        f"oqim_realtime_closed_too_slow_total {totals['closed_too_slow']}",
        "# HELP oqim_realtime_connections_total Sockets accepted since start.",
        "# TYPE oqim_realtime_connections_total counter",
        f"oqim_realtime_connections_total {totals['connections_total']}",
        "# HELP oqim_outbox_pending Committed events not yet published.",
        "# TYPE oqim_outbox_pending gauge",
        f"oqim_outbox_pending {lag['pending']}",
        "# HELP oqim_outbox_oldest_age_seconds Age of the oldest unpublished event.",
        "# TYPE oqim_outbox_oldest_age_seconds gauge",
        f"oqim_outbox_oldest_age_seconds {lag['oldest_age_seconds']}",
        "# HELP oqim_realtime_firehose_length Events in the firehose.",
        "# TYPE oqim_realtime_firehose_length gauge",
        f"oqim_realtime_firehose_length {streams().firehose_length()}",
    ]
    for name, (text, read) in sorted(COUNTERS.items()):
        lines += [
            f"# HELP oqim_{name}_total {text}",
            f"# TYPE oqim_{name}_total counter",
            f"oqim_{name}_total {read()}",
        ]
    return "\n".join(lines) + "\n"
