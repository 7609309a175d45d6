"""Presence: online, idle and offline, from fixes and socket activity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.bulk import update_rows
from core.timezones import iso_z
from domains.tracking.events import PRESENCE_CHANGED
from domains.tracking.models import AgentState, FieldSettings, Presence
from domains.tracking.services.locks import locked_states
from domains.tracking.settings_cache import field_settings
from realtime.events import emit_many


def presence_events(state: AgentState, rules: FieldSettings, now: datetime) -> list[dict[str, Any]]:
    presence = state.presence_at(rules, now)
    if presence == state.presence:
        return []
    previous, state.presence, state.presence_since = state.presence, presence, now
    data = {
        "agent_id": state.agent_id,
        "presence": presence,
        "previous": previous,
        "last_fix_at": iso_z(state.last_fix_at),
        "last_seen_at": iso_z(state.last_seen_at),
        "changed_at": iso_z(now),
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
        states = locked_states(wanted)
        rules = field_settings(t for t, _a in wanted)
        events = []
        for (tenant_id, _a), state in states.items():
            state.last_seen_at = state.updated_at = now
            events += presence_events(state, rules[tenant_id], now)
        update_rows(list(states.values()), ["last_seen_at", "presence", "presence_since", "updated_at"])
        emit_many(events)


def sweep_presence(*, now: datetime | None = None) -> int:
    """Move agents whose fixes and socket activity stopped to idle, then offline. Returns the
    number of changes."""
    now = now or timezone.now()
    changed = 0
    candidates = list(AgentState.objects.exclude(presence=Presence.OFFLINE).values_list("tenant_id", "agent_id"))
    for start in range(0, len(candidates), 500):
        keys = set(candidates[start : start + 500])
        with transaction.atomic():
            states = locked_states(keys)
            rules = field_settings(t for t, _a in keys)
            events, moved = [], []
            for (tenant_id, _a), state in states.items():
                change = presence_events(state, rules[tenant_id], now)
                if change:
                    events += change
                    moved.append(state)
            update_rows(moved, ["presence", "presence_since"])
            emit_many(events)
            changed += len(moved)
    return changed
