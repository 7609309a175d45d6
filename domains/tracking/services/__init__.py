"""Tracking's writes, one module per job: recording fixes, live announcements, presence, the
tenant's field settings, tracker apps' devices, and the points table's upkeep."""

from __future__ import annotations

from domains.tracking.services.announce import ANNOUNCE_CHUNK, Gate, always, announce_held, interval_elapsed
from domains.tracking.services.configuration import settings_update
from domains.tracking.services.devices import device_create, device_for, device_revoke, record_tracked
from domains.tracking.services.presence import mark_seen, sweep_presence
from domains.tracking.services.recording import (
    POINT_COLUMNS,
    STATE_FIELDS,
    TRAIL_LIMIT,
    Batch,
    Receipt,
    record,
    record_live,
    window,
)
from domains.tracking.services.upkeep import prepare_partitions, prune

__all__ = [
    "ANNOUNCE_CHUNK",
    "POINT_COLUMNS",
    "STATE_FIELDS",
    "TRAIL_LIMIT",
    "Batch",
    "Gate",
    "Receipt",
    "always",
    "announce_held",
    "device_create",
    "device_for",
    "device_revoke",
    "interval_elapsed",
    "mark_seen",
    "prepare_partitions",
    "prune",
    "record",
    "record_live",
    "record_tracked",
    "settings_update",
    "sweep_presence",
    "window",
]
