"""Locations' writes, one module per job: ingesting fixes, live announcements, presence, the
tenant's field settings, tracker apps' devices, geofences, and the points table's upkeep."""

from __future__ import annotations

from domains.locations.services.announce import ANNOUNCE_CHUNK, Gate, always, announce_held, interval_elapsed
from domains.locations.services.configuration import settings_update
from domains.locations.services.devices import device_create, device_for, device_revoke, record_tracked
from domains.locations.services.geofences import geofence_delete, geofence_save
from domains.locations.services.ingest import (
    POINT_COLUMNS,
    STATE_FIELDS,
    TRAIL_LIMIT,
    Batch,
    Receipt,
    record,
    record_live,
    window,
)
from domains.locations.services.presence import mark_seen, sweep_presence
from domains.locations.services.upkeep import prepare_partitions, prune

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
    "geofence_delete",
    "geofence_save",
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
