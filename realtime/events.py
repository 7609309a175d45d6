"""Domain events: the one API domain code uses to announce a state change.

A service calls ``emit(...)`` inside its transaction. The event becomes an outbox row in that
same transaction and is appended to its stream after commit (``realtime.publisher``); a rolled
back transaction leaves no row and so no event. Each domain declares its event types, with a
payload TypedDict and a version, in its ``events.py`` through ``event_type(...)``; the
AsyncAPI document lists every one of them (a test keeps the two in sync).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.bulk import insert_rows
from core.secrets import Sealed, seal
from realtime.models import OutboxEvent
from realtime.publisher import publish_after_commit
from realtime.topics import TOPICS


@dataclass(frozen=True)
class EventType:
    name: str  # dotted, past tense: "stock.level_changed"
    topic: str
    version: int
    payload: type  # a TypedDict: its keys are exactly the keys of ``data``
    description: str
    # Payload keys holding secrets (a PIN): sealed in the outbox and the streams, opened only
    # when the frame is built for a recipient the audience admits.
    sealed: tuple[str, ...] = ()


EVENT_TYPES: dict[str, EventType] = {}

# Called with each call's new rows inside the emitting transaction, after their INSERT: work
# that must commit or roll back with the events (webhooks' deliveries).
EMIT_HOOKS: list[Callable[[Sequence[OutboxEvent]], None]] = []


def on_emit(hook: Callable[[Sequence[OutboxEvent]], None]) -> None:
    if hook not in EMIT_HOOKS:
        EMIT_HOOKS.append(hook)


def event_type(
    name: str, *, topic: str, payload: type, version: int = 1, description: str = "", sealed: tuple[str, ...] = ()
) -> EventType:
    """Declare an event type (at import time of a domain's ``events.py``)."""
    if topic not in TOPICS:
        raise ValueError(f"Event type {name!r} names unknown topic {topic!r}")
    spec = EventType(name=name, topic=topic, version=version, payload=payload, description=description, sealed=sealed)
    EVENT_TYPES[name] = spec
    return spec


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    # Decimals, datetimes and UUIDs become JSON strings once, here, so the outbox row, the stream
    # entry and every delivery carry exactly the same text.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _row(
    *,
    tenant_id: int,
    type: str,
    data: Mapping[str, Any],
    actor_id: int | None = None,
    roles: Iterable[str] | None = None,
    users: Iterable[int] | None = None,
    occurred_at: datetime | None = None,
) -> OutboxEvent:
    spec = EVENT_TYPES.get(type)
    if spec is None:
        raise ValueError(f"Unknown event type {type!r}; declare it with realtime.events.event_type")
    expected = set(spec.payload.__annotations__)
    if set(data) != expected:
        raise ValueError(f"{type} payload keys {sorted(data)} differ from {sorted(expected)}")
    audience: dict[str, list] = {}
    if roles is not None:
        audience["roles"] = sorted(set(roles))
    if users is not None:
        audience["users"] = sorted(set(users))
    plain = _plain(data)
    if spec.sealed:
        if not audience:
            raise ValueError(f"{type} carries secrets: name its audience (roles and/or users)")
        audience["sealed"] = list(spec.sealed)
        plain.update(
            {
                key: plain[key] if isinstance(data[key], Sealed) else seal(plain[key])
                for key in spec.sealed
                if plain[key] is not None
            }
        )
    return OutboxEvent(
        tenant_id=tenant_id,
        topic=spec.topic,
        type=spec.name,
        version=spec.version,
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor_id,
        data=plain,
        audience=audience,
    )


def emit(
    *,
    tenant_id: int,
    type: str,
    data: Mapping[str, Any],
    actor_id: int | None = None,
    roles: Iterable[str] | None = None,
    users: Iterable[int] | None = None,
    occurred_at: datetime | None = None,
) -> OutboxEvent:
    """Record an event of ``type`` in the current transaction; it is published after commit.

    Visibility is the emitter's decision: by default everyone allowed on the event's topic sees
    it; ``roles`` and/or ``users`` narrow it to members with one of those roles or those user ids
    (a customer's own order, say). Raises ``ValueError`` for an unknown type or a payload whose
    keys differ from the type's TypedDict: a bug in the caller, not bad input.
    """
    return emit_many(
        [
            dict(
                tenant_id=tenant_id,
                type=type,
                data=data,
                actor_id=actor_id,
                roles=roles,
                users=users,
                occurred_at=occurred_at,
            )
        ]
    )[0]


def emit_many(events: Sequence[Mapping[str, Any]]) -> list[OutboxEvent]:
    """``emit`` for several events of one change (a serving moves many products): one INSERT
    and one publish after commit. Each item takes ``emit``'s keyword arguments."""
    rows = [_row(**event) for event in events]
    if not rows:
        return []
    insert_rows(rows)
    for hook in EMIT_HOOKS:
        hook(rows)
    # One callback per call: a savepoint that rolls back discards exactly its own callbacks.
    transaction.on_commit(partial(publish_after_commit, rows))
    return rows
