"""Topics a WebSocket client may subscribe to, and who may.

A topic is a name inside the caller's tenant: the stream behind it is chosen from the
authenticated membership, never from anything the client sends, so no topic name reaches
another tenant. Each app declares its topics in its ``events`` module, before the event types
that use them (``topic(...)``). Subscribing needs any one of the topic's capabilities; each event
may narrow its audience further (``realtime.audience``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from core.discovery import Declarations
from core.roles import has_capability


@dataclass(frozen=True)
class Topic:
    name: str
    capabilities: tuple[str, ...]  # any one of them lets a member subscribe
    description: str
    module: str  # the module that declared it


TOPICS: Declarations[Topic] = Declarations("events")


def topic(name: str, *, capabilities: tuple[str, ...], description: str) -> Topic:
    """Declare a topic (at import of an app's ``events`` module)."""
    if name in TOPICS.own:
        raise ValueError(f"Topic {name!r} is declared twice")
    module = sys._getframe(1).f_globals.get("__name__", "")
    TOPICS.own[name] = found = Topic(name=name, capabilities=capabilities, description=description, module=module)
    return found


def may_subscribe(role: str | None, topic: Topic) -> bool:
    return any(has_capability(role, capability) for capability in topic.capabilities)
