"""Live announcements of agents' positions: when they are due, and the coalesced events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.bulk import update_rows
from domains.tracking.events import LOCATION_RECORDED
from domains.tracking.models import AgentState, FieldSettings
from domains.tracking.services.locks import locked_states
from domains.tracking.settings_cache import field_settings
from realtime.events import emit_many

# Live announcements: due if the agent's last one is at least the tenant's interval old.
Gate = Callable[[AgentState, FieldSettings, datetime], bool]


def due_in(state: AgentState, rules: FieldSettings, now: datetime) -> float:
    """Seconds until the agent's next announcement may go out (<= 0: now). A tenth of the
    interval is slack, so that a phone sending exactly once per interval, with network jitter,
    is never held back."""
    if state.announced_at is None:
        return 0.0
    return rules.live_interval_ms * 0.9 / 1000 - (now - state.announced_at).total_seconds()


def interval_elapsed(state: AgentState, rules: FieldSettings, now: datetime) -> bool:
    return due_in(state, rules, now) <= 0


def always(state: AgentState, rules: FieldSettings, now: datetime) -> bool:
    return True


ANNOUNCE_CHUNK = 100  # agents per event: each frame stays well under the socket's message cap


def announcements(states: list[AgentState], now: datetime) -> list[dict[str, Any]]:
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
        **state.last_fix(),
        "trail": state.held_trail,
        "points": state.held_points,
        "presence": state.presence,
    }
    state.held_trail, state.held_points, state.announced_at = [], 0, now
    return data


def announce_held(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The live socket's trailing edge: announce fixes held for these agents whose interval has
    passed. Returns, for agents still holding fixes, the seconds until they are due."""
    now = timezone.now()
    wanted = set(keys)
    if not wanted:
        return {}
    later: dict[tuple[int, int], float] = {}
    with transaction.atomic():
        states = locked_states(wanted)
        rules = field_settings(t for t, _a in wanted)
        announced = []
        for key, state in states.items():
            if not state.held_points:
                continue
            wait = due_in(state, rules[key[0]], now)
            if wait > 0:
                later[key] = wait
            else:
                announced.append(state)
        events = announcements(announced, now)
        update_rows(announced, ["held_trail", "held_points", "announced_at"])
        emit_many(events)
    return later
