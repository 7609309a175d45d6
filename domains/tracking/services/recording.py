"""Recording fixes: judged (by the point filters, ``filters.py``), deduplicated, stored, and folded
into each agent's state, in one transaction with their events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.bulk import insert_values, pipelined, update_rows
from core.timezones import iso_z
from domains.tracking import partitions
from domains.tracking.filters import Anchor, judge
from domains.tracking.fixes import Fix
from domains.tracking.hooks import call_hooks
from domains.tracking.models import FIX_FIELDS, AgentState, FieldSettings, LocationPoint
from domains.tracking.services.announce import Gate, always, announcements, due_in, interval_elapsed
from domains.tracking.services.locks import locked_states
from domains.tracking.services.presence import presence_events
from domains.tracking.settings_cache import cached_field_settings, field_settings
from realtime.events import emit_many

TRAIL_LIMIT = 100


@dataclass
class Batch:
    tenant_id: int
    agent_id: int
    fixes: list[Fix]
    source: str


@dataclass
class Receipt:
    """What the phone is told about one batch (docs/field.md, "Acknowledged means committed")."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    filtered: dict[str, int] = field(default_factory=dict)
    rejected: list[dict] = field(default_factory=list)
    # Accepted fixes held back by the agent's live interval: seconds until the live socket's
    # trailing edge announces them, unless the agent's next fix does first (not sent to the phone).
    hold_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "filtered": self.filtered,
            "rejected": self.rejected,
        }


def window(now: datetime) -> tuple[datetime, datetime]:
    """Device times a point may carry: from the oldest day retention keeps to two days ahead
    (partitions exist, or are made, for exactly those days)."""
    oldest = (now - timedelta(days=settings.LOCATIONS_RETENTION_DAYS - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return oldest, now + timedelta(days=2)


def _history(batch: Batch, state: AgentState) -> tuple[set[tuple[datetime, str]], list[Anchor]]:
    """What is stored already around the batch's time span. A live batch newer than anything
    stored needs no query: its only neighbour is the state's newest fix."""
    latest = [Anchor(state.recorded_at, state.lat, state.lon)] if state.recorded_at else []
    oldest = min(fix.recorded_at for fix in batch.fixes)
    if state.newest_stored_at is None or oldest > state.newest_stored_at:
        return set(), latest
    newest = max(fix.recorded_at for fix in batch.fixes)
    points = LocationPoint.objects.filter(tenant_id=batch.tenant_id, agent_id=batch.agent_id)
    around = points.filter(recorded_at__gte=oldest, recorded_at__lte=newest).values_list(
        "recorded_at", "client_id", "filtered", "lat", "lon"
    )
    keys, anchors = set(), []
    for recorded_at, client_id, filtered, lat, lon in around:
        keys.add((recorded_at, client_id))
        if not filtered:
            anchors.append(Anchor(recorded_at, lat, lon))
    before = (
        points.filter(recorded_at__lt=oldest, recorded_at__gte=window(timezone.now())[0], filtered="")
        .order_by("-recorded_at")
        .values_list("recorded_at", "lat", "lon")
        .first()
    )
    if before:
        anchors.insert(0, Anchor(*before))
    anchors.sort(key=lambda a: a.recorded_at)
    return keys, anchors


def record_live(batches: list[Batch]) -> list[Receipt]:
    """``record`` for the live socket: announcements wait for each agent's live interval, and
    the field settings come from a cache of a few seconds (read for every batch otherwise)."""
    return record(batches, gate=interval_elapsed, rules_of=cached_field_settings)


def record(
    batches: list[Batch],
    *,
    gate: Gate = always,
    rules_of: Callable[[Iterable[int]], dict[int, FieldSettings]] | None = None,
) -> list[Receipt]:
    """Store the batches' fixes; one receipt per batch, in order. Returns only once committed."""
    now = timezone.now()
    bounds = window(now)
    days = {f.recorded_at.astimezone(UTC).date() for b in batches for f in b.fixes}
    partitions.ensure(d for d in days if bounds[0].date() <= d <= bounds[1].date())
    rules = (rules_of or field_settings)(b.tenant_id for b in batches)
    receipts = [Receipt(received=len(b.fixes)) for b in batches]
    with transaction.atomic():
        states = locked_states({(b.tenant_id, b.agent_id) for b in batches})
        rows: list[tuple] = []
        fresh: dict[tuple[int, int], list[Fix]] = {}
        for batch, receipt in zip(batches, receipts, strict=True):
            if not batch.fixes:
                continue
            key = (batch.tenant_id, batch.agent_id)
            state = states[key]
            stored_keys, anchors = _history(batch, state)
            verdicts = judge(
                batch.fixes,
                rules=rules[batch.tenant_id],
                now=now,
                window=bounds,
                stored_keys=stored_keys,
                anchors=anchors,
            )
            receipt.stored = len(verdicts.stored)
            receipt.duplicates = verdicts.duplicates
            receipt.filtered = dict(verdicts.filtered)
            receipt.rejected = verdicts.rejected
            rows += [_point(batch, fix, reason, now) for fix, reason in verdicts.stored]
            _absorb(state, verdicts.stored, now)
            fresh.setdefault(key, []).extend(verdicts.accepted)
        events, due = call_hooks(states, fresh), []
        for key, state in states.items():
            events += presence_events(state, rules[key[0]], now)
            accepted = fresh.get(key, [])
            if accepted:
                state.held_trail = (state.held_trail + [_trail(f) for f in accepted])[-TRAIL_LIMIT:]
                state.held_points += len(accepted)
            if state.held_points and gate(state, rules[key[0]], now):
                due.append(state)
        events += announcements(due, now)
        with pipelined():  # the three writes in one round trip
            insert_values(LocationPoint, POINT_COLUMNS, rows)
            update_rows(list(states.values()), STATE_FIELDS)
            emit_many(events)
    for batch, receipt in zip(batches, receipts, strict=True):
        state = states[(batch.tenant_id, batch.agent_id)]
        if state.held_points:
            receipt.hold_seconds = (
                due_in(state, rules[batch.tenant_id], now) + rules[batch.tenant_id].live_interval_ms / 2000
            )
    return receipts


STATE_FIELDS = [
    *FIX_FIELDS,
    "newest_stored_at",
    "last_fix_at",
    "last_seen_at",
    "presence",
    "presence_since",
    "points_accepted",
    "points_filtered",
    "held_trail",
    "held_points",
    "announced_at",
    "fences",
    "fences_at",
    "updated_at",
]


# A point's columns, as ``_point`` lays them out. Stored points cannot collide: the agents'
# states are locked and ``_history`` already sorted out repeats.
POINT_COLUMNS = (
    "tenant_id",
    "agent_id",
    "recorded_at",
    "received_at",
    "lat",
    "lon",
    "accuracy",
    "speed",
    "heading",
    "battery",
    "client_id",
    "filtered",
    "source",
    "altitude",
    "attributes",
)


def _point(batch: Batch, fix: Fix, reason: str, now: datetime) -> tuple:
    return (
        batch.tenant_id,
        batch.agent_id,
        fix.recorded_at,
        now,
        fix.lat,
        fix.lon,
        fix.accuracy,
        fix.speed,
        fix.heading,
        fix.battery,
        fix.client_id,
        str(reason),
        str(batch.source),
        fix.altitude,
        fix.attributes,
    )


def _trail(fix: Fix) -> list:
    return [iso_z(fix.recorded_at), fix.lat, fix.lon]


def _absorb(state: AgentState, stored: list[tuple[Fix, str]], now: datetime) -> None:
    if not stored:
        return
    state.last_fix_at = state.last_seen_at = now
    state.updated_at = now
    newest_stored = max(fix.recorded_at for fix, _ in stored)
    state.newest_stored_at = max(state.newest_stored_at or newest_stored, newest_stored)
    filtered = dict(state.points_filtered)
    for fix, reason in stored:
        if reason:
            filtered[reason] = filtered.get(reason, 0) + 1
            continue
        state.points_accepted += 1
        if state.recorded_at is None or fix.recorded_at > state.recorded_at:
            state.recorded_at = fix.recorded_at
            state.lat, state.lon, state.accuracy = fix.lat, fix.lon, fix.accuracy
            state.speed, state.heading, state.battery = fix.speed, fix.heading, fix.battery
    state.points_filtered = filtered
