"""Prometheus exposition of this process's realtime figures (no client library needed)."""

from __future__ import annotations

from realtime.hub import local_hubs
from realtime.selectors import local_sockets, outbox_lag
from realtime.streams import streams


def prometheus_text() -> str:
    connections, topics = local_sockets()
    totals = {"events_routed": 0, "deliveries": 0, "closed_too_slow": 0, "resyncs": 0, "connections_total": 0}
    for hub in local_hubs():
        for name, value in hub.snapshot().items():
            if name in totals:
                totals[name] += value
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
    return "\n".join(lines) + "\n"
