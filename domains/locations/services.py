"""Writes of the breadcrumbs: recording fixes, presence, field settings, retention.

``record`` is the one way points get in, from the live socket (many agents' frames gathered by
``domains.locations.live``) and from the REST batch upload alike. For each agent it locks that
agent's state row, judges the fixes (``ingest.judge``), inserts them, updates the state and
writes the live event, all in one transaction; the caller acknowledges only after it returns,
so an acknowledged point is committed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from core.bulk import insert_values, pg_array, pipelined, update_rows
from core.models import Organization
from domains.locations import partitions
from domains.locations.events import LOCATION_RECORDED, PRESENCE_CHANGED
from domains.locations.ingest import Anchor, Fix, judge
from domains.locations.models import FIX_FIELDS, AgentState, FieldSettings, LocationPoint, Presence
from realtime.events import emit_many

TRAIL_LIMIT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Batch:
    tenant_id: int
    agent_id: int
    fixes: list[Fix]
    source: str


@dataclass
class Receipt:
    """What the phone is told about one batch (docs/locations.md, "Acknowledgements")."""

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


# Live announcements: due if the agent's last one is at least the tenant's interval old.
Gate = Callable[[AgentState, FieldSettings, datetime], bool]


def _due_in(state: AgentState, rules: FieldSettings, now: datetime) -> float:
    """Seconds until the agent's next announcement may go out (<= 0: now). A tenth of the
    interval is slack, so that a phone sending exactly once per interval, with network jitter,
    is never held back."""
    if state.announced_at is None:
        return 0.0
    return rules.live_interval_ms * 0.9 / 1000 - (now - state.announced_at).total_seconds()


def interval_elapsed(state: AgentState, rules: FieldSettings, now: datetime) -> bool:
    return _due_in(state, rules, now) <= 0


def always(state: AgentState, rules: FieldSettings, now: datetime) -> bool:
    return True


def window(now: datetime) -> tuple[datetime, datetime]:
    """Device times a point may carry: from the oldest day retention keeps to two days ahead
    (partitions exist, or are made, for exactly those days)."""
    oldest = (now - timedelta(days=settings.LOCATIONS_RETENTION_DAYS - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return oldest, now + timedelta(days=2)


def field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    ids = set(tenant_ids)
    found = {row.tenant_id: row for row in FieldSettings.objects.filter(tenant_id__in=ids)}
    return {tenant_id: found.get(tenant_id) or FieldSettings(tenant_id=tenant_id) for tenant_id in ids}


RULES_CACHE_SECONDS = 5.0
_rules_cache: dict[int, tuple[float, FieldSettings]] = {}


def cached_field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    """``field_settings`` remembered per process for ``RULES_CACHE_SECONDS``: a change reaches
    the live ingest within that time (docs/field.md)."""
    ids = set(tenant_ids)
    now = time.monotonic()
    found = {t: hit[1] for t in ids if (hit := _rules_cache.get(t)) and hit[0] > now}
    missing = ids - set(found)
    if missing:
        for tenant_id, rules in field_settings(missing).items():
            _rules_cache[tenant_id] = (now + RULES_CACHE_SECONDS, rules)
            found[tenant_id] = rules
    return found


def settings_update(*, tenant: Organization, **values: Any) -> FieldSettings:
    with transaction.atomic():
        found = FieldSettings.objects.select_for_update().filter(tenant=tenant).first() or FieldSettings(tenant=tenant)
        for name, value in values.items():
            setattr(found, name, value)
        if found.offline_after_seconds < found.idle_after_seconds:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"offline_after_seconds": ["Must be at least idle_after_seconds."]}, code="invalid")
        found.save()
    _rules_cache.pop(tenant.pk, None)
    return found


def _locked_states(keys: set[tuple[int, int]]) -> dict[tuple[int, int], AgentState]:
    """The agents' state rows, locked in id order (two batches naming the same agents never
    wait on each other in a cycle); missing ones are created first."""

    def lock() -> dict[tuple[int, int], AgentState]:
        if connection.vendor == "postgresql":
            rows = _lock_rows(keys)
        else:
            rows = AgentState.objects.select_for_update().filter(
                tenant_id__in={t for t, _a in keys}, agent_id__in={a for _t, a in keys}
            )
            rows = rows.order_by("pk")
        return {(s.tenant_id, s.agent_id): s for s in rows if (s.tenant_id, s.agent_id) in keys}

    found = lock()
    if len(found) < len(keys):
        missing = sorted(keys - set(found))
        AgentState.objects.bulk_create([AgentState(tenant_id=t, agent_id=a) for t, a in missing], ignore_conflicts=True)
        found = lock()
    return found


_STATE_COLUMNS = [f for f in AgentState._meta.concrete_fields]
_STATE_LOCK = (
    f"SELECT {', '.join(f.column for f in _STATE_COLUMNS)} FROM {AgentState._meta.db_table}"
    " WHERE (tenant_id, agent_id) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[])) ORDER BY id FOR UPDATE"
)
_STATE_NAMES = [f.attname for f in _STATE_COLUMNS]
_STATE_JSON = [f.attname for f in _STATE_COLUMNS if isinstance(f, models.JSONField)]


def _lock_rows(keys: set[tuple[int, int]]) -> list[AgentState]:
    """PostgreSQL: each (tenant, agent) pair found through the unique index, and the rows built
    straight from the cursor: a queryset's machinery and ``Model.__init__`` cost more than the
    query, for every batch of a thousand agents a second."""
    with connection.cursor() as cursor:
        cursor.execute(_STATE_LOCK, [pg_array(t for t, _a in keys), pg_array(a for _t, a in keys)])
        fetched = cursor.fetchall()
    alias = connection.alias
    states = []
    for row in fetched:
        state = AgentState.__new__(AgentState)
        values = state.__dict__
        values.update(zip(_STATE_NAMES, row, strict=True))
        for name in _STATE_JSON:  # jsonb arrives as text (Django's loader), as JSONField expects
            if isinstance(values[name], str):
                values[name] = json.loads(values[name])
        state._state = ModelState()
        state._state.adding, state._state.db = False, alias
        states.append(state)
    return states


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
        states = _locked_states({(b.tenant_id, b.agent_id) for b in batches})
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
        events, due = [], []
        for key, state in states.items():
            events += _presence_events(state, rules[key[0]], now)
            accepted = fresh.get(key, [])
            if accepted:
                state.held_trail = (state.held_trail + [_trail(f) for f in accepted])[-TRAIL_LIMIT:]
                state.held_points += len(accepted)
            if state.held_points and gate(state, rules[key[0]], now):
                due.append(state)
        events += _announcements(due, now)
        with pipelined():  # the three writes in one round trip
            insert_values(LocationPoint, POINT_COLUMNS, rows)
            update_rows(list(states.values()), STATE_FIELDS)
            emit_many(events)
    for batch, receipt in zip(batches, receipts, strict=True):
        state = states[(batch.tenant_id, batch.agent_id)]
        if state.held_points:
            receipt.hold_seconds = (
                _due_in(state, rules[batch.tenant_id], now) + rules[batch.tenant_id].live_interval_ms / 2000
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
    )


def _trail(fix: Fix) -> list:
    return [_iso(fix.recorded_at), fix.lat, fix.lon]


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


ANNOUNCE_CHUNK = 100  # agents per event: each frame stays well under the socket's message cap


def _announcements(states: list[AgentState], now: datetime) -> list[dict[str, Any]]:
    """One ``agent.location_recorded`` per organization and ``ANNOUNCE_CHUNK`` agents, with
    each agent's held fixes; resets what it announces. At a thousand agents a second, one event
    per agent was a thousand outbox rows, appends and frames to every dashboard each second."""
    by_tenant: dict[int, list[AgentState]] = {}
    for state in states:
        by_tenant.setdefault(state.tenant_id, []).append(state)
    events = []
    for tenant_id, found in by_tenant.items():
        for start in range(0, len(found), ANNOUNCE_CHUNK):
            chunk = found[start : start + ANNOUNCE_CHUNK]
            events.append(
                {
                    "tenant_id": tenant_id,
                    "type": LOCATION_RECORDED.name,
                    "data": {"agents": [_position(state, now) for state in chunk]},
                    "actor_id": chunk[0].agent_id if len(chunk) == 1 else None,
                }
            )
    return events


def _position(state: AgentState, now: datetime) -> dict[str, Any]:
    data = {
        "agent_id": state.agent_id,
        "recorded_at": _iso(state.recorded_at),
        "lat": state.lat,
        "lon": state.lon,
        "accuracy": state.accuracy,
        "speed": state.speed,
        "heading": state.heading,
        "battery": state.battery,
        "trail": state.held_trail,
        "points": state.held_points,
        "presence": state.presence,
    }
    state.held_trail, state.held_points, state.announced_at = [], 0, now
    return data


def presence_of(state: AgentState, rules: FieldSettings, now: datetime) -> str:
    """Online while fixes keep coming; idle once they stop but the agent was heard from (a
    fix or socket activity) within ``offline_after_seconds``; offline after that."""
    last_fix = state.last_fix_at or _EPOCH
    heard = max(last_fix, state.last_seen_at or _EPOCH)
    if now - last_fix < timedelta(seconds=rules.idle_after_seconds):
        return Presence.ONLINE
    if now - heard < timedelta(seconds=rules.offline_after_seconds):
        return Presence.IDLE
    return Presence.OFFLINE


def _presence_events(state: AgentState, rules: FieldSettings, now: datetime) -> list[dict[str, Any]]:
    presence = presence_of(state, rules, now)
    if presence == state.presence:
        return []
    previous, state.presence, state.presence_since = state.presence, presence, now
    data = {
        "agent_id": state.agent_id,
        "presence": presence,
        "previous": previous,
        "last_fix_at": _iso(state.last_fix_at),
        "last_seen_at": _iso(state.last_seen_at),
        "changed_at": _iso(now),
    }
    return [{"tenant_id": state.tenant_id, "type": PRESENCE_CHANGED.name, "data": data, "occurred_at": now}]


def mark_seen(keys: Iterable[tuple[int, int]]) -> None:
    """Socket activity of these agents ((tenant, agent) pairs): counts for presence even
    without fixes."""
    wanted = set(keys)
    if not wanted:
        return
    now = timezone.now()
    with transaction.atomic():
        states = _locked_states(wanted)
        rules = field_settings(t for t, _a in wanted)
        events = []
        for (tenant_id, _a), state in states.items():
            state.last_seen_at = state.updated_at = now
            events += _presence_events(state, rules[tenant_id], now)
        update_rows(list(states.values()), ["last_seen_at", "presence", "presence_since", "updated_at"])
        emit_many(events)


def announce_held(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The live socket's trailing edge: announce fixes held for these agents whose interval has
    passed. Returns, for agents still holding fixes, the seconds until they are due."""
    now = timezone.now()
    wanted = set(keys)
    if not wanted:
        return {}
    later: dict[tuple[int, int], float] = {}
    with transaction.atomic():
        states = _locked_states(wanted)
        rules = field_settings(t for t, _a in wanted)
        announced = []
        for key, state in states.items():
            if not state.held_points:
                continue
            wait = _due_in(state, rules[key[0]], now)
            if wait > 0:
                later[key] = wait
            else:
                announced.append(state)
        events = _announcements(announced, now)
        update_rows(announced, ["held_trail", "held_points", "announced_at"])
        emit_many(events)
    return later


def sweep_presence(*, now: datetime | None = None) -> int:
    """Move agents whose fixes and socket activity stopped to idle, then offline. Returns the
    number of changes."""
    now = now or timezone.now()
    changed = 0
    candidates = list(AgentState.objects.exclude(presence=Presence.OFFLINE).values_list("tenant_id", "agent_id"))
    for start in range(0, len(candidates), 500):
        keys = set(candidates[start : start + 500])
        with transaction.atomic():
            states = _locked_states(keys)
            rules = field_settings(t for t, _a in keys)
            events, moved = [], []
            for (tenant_id, _a), state in states.items():
                change = _presence_events(state, rules[tenant_id], now)
                if change:
                    events += change
                    moved.append(state)
            update_rows(moved, ["presence", "presence_since"])
            emit_many(events)
            changed += len(moved)
    return changed


def prune(*, now: datetime | None = None) -> int:
    """Retention: drop (PostgreSQL) or delete (SQLite) points of days older than
    ``LOCATIONS_RETENTION_DAYS``. Returns partitions dropped or rows deleted."""
    now = now or timezone.now()
    oldest_kept = window(now)[0]
    if partitions.partitioned():
        return len(partitions.drop_before(oldest_kept.date()))
    deleted = 0
    while True:
        ids = list(LocationPoint.objects.filter(recorded_at__lt=oldest_kept).values_list("pk", flat=True)[:5000])
        if not ids:
            return deleted
        deleted += LocationPoint.objects.filter(pk__in=ids).delete()[0]


def prepare_partitions(*, now: datetime | None = None, ahead_days: int = 3) -> list[date]:
    """Partitions for the next days; finished days rewritten in track order. Returns the days
    clustered."""
    today = (now or timezone.now()).astimezone(UTC).date()
    partitions.ensure(today + timedelta(days=n) for n in range(ahead_days + 1))
    return partitions.cluster_before(today)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
