"""The locks of the ingest, in one place (docs/architecture.md): agents' state rows, locked in a
fixed order so concurrent batches never deadlock."""

from __future__ import annotations

import json

from django.db import connection, models
from django.db.models.base import ModelState

from core.bulk import pg_array
from domains.tracking.models import AgentState


def locked_states(keys: set[tuple[int, int]]) -> dict[tuple[int, int], AgentState]:
    """The agents' state rows, locked in id order (two batches naming the same agents never
    wait on each other in a cycle); missing ones are created first."""

    def lock() -> dict[tuple[int, int], AgentState]:
        if connection.vendor == "postgresql":
            rows = lock_rows(keys)
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


def lock_rows(keys: set[tuple[int, int]]) -> list[AgentState]:
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
