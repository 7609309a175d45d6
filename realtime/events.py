"""Domain events: the one API domain code uses to announce a state change.

A service calls ``emit(...)`` inside its transaction. The event becomes an outbox row in that
same transaction and is appended to its stream after commit (``realtime.publisher``); a rolled
back transaction leaves no row and so no event. An event some app follows (a webhook endpoint, a
notification rule) is marked for ``realtime.fanout`` in the same row; nothing else happens in the
transaction. Each domain declares its event types, with a payload TypedDict, a version and what a
notification about it says, in its ``events.py`` through ``event_type(...)``; the AsyncAPI
document lists every one of them (a test keeps the two in sync).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from core.bulk import insert_rows
from core.discovery import Declarations
from core.secrets import Sealed, seal
from core.seeding import SEEDING
from realtime import fanout
from realtime.models import OutboxEvent
from realtime.publisher import publish_after_commit
from realtime.topics import TOPICS

# What a notification about an event says: a sentence (gettext_lazy, with the payload's fields
# as %(name)s), or a function of the payload returning one.
Message = Promise | str | Callable[[Mapping[str, Any]], str]


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
    message: Message | None = None  # None: a notification lists the type and the plain fields
    module: str = ""  # the module that declared it
    title: Any = ""  # a few words for people choosing what to follow (lazily translated)


EVENT_TYPES: Declarations[EventType] = Declarations("events")


def event_type(
    name: str,
    *,
    topic: str,
    payload: type,
    version: int = 1,
    description: str = "",
    sealed: tuple[str, ...] = (),
    message: Message | None = None,
    module: str | None = None,
    title: Any = "",
) -> EventType:
    """Declare an event type (at import time of an app's ``events.py``, or through a registry
    built on it, such as alarm kinds). Its topic must be declared too (checked once all are:
    ``check_topics``). ``module``: the declaring module, when that is not the caller; ``title``:
    a few words naming it for people (the webhooks and notifications pages list them)."""
    if name in EVENT_TYPES.own:
        raise ValueError(f"Event type {name!r} is declared twice")
    module = module or sys._getframe(1).f_globals.get("__name__", "")
    spec = EventType(name, topic, version, payload, description, sealed, message, module, title)
    EVENT_TYPES.own[name] = spec
    return spec


def check_topics() -> None:
    """Every event type names a declared topic (at start-up, once every app has declared)."""
    unknown = sorted(f"{spec.name} -> {spec.topic}" for spec in EVENT_TYPES.values() if spec.topic not in TOPICS)
    if unknown:
        raise ValueError(f"Event types name undeclared topics: {', '.join(unknown)}")


def describe(type: str, data: Mapping[str, Any]) -> str | None:
    """The event's sentence in the active language, or None when its type declares none (or the
    payload does not fit it: an older version). Sealed fields never enter it."""
    spec = EVENT_TYPES.get(type)
    if spec is None or spec.message is None:
        return None
    if callable(spec.message):
        return str(spec.message(data))
    fields = {key: _text(value) for key, value in data.items() if key not in spec.sealed}
    try:
        return str(spec.message) % fields
    except (KeyError, ValueError, TypeError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(one) for one in value)
    return str(value)


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
    audience: dict[str, Any] = {}
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
    if SEEDING.get():
        audience["quiet"] = True  # seen live, announced by no follower that tells people (fanout)
    return OutboxEvent(
        tenant_id=tenant_id,
        topic=spec.topic,
        type=spec.name,
        version=spec.version,
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor_id,
        data=plain,
        audience=audience,
        fanout=fanout.wanted(tenant_id, spec.name),
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
    # One callback per call: a savepoint that rolls back discards exactly its own callbacks.
    transaction.on_commit(partial(publish_after_commit, rows))
    return rows
