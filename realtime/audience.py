"""Who may see an event: one rule for live sockets, notifications and webhooks.

A member sees an event when their role holds one of its topic's capabilities and the event's
own audience admits them. The audience is the emitting domain's choice (``emit(roles=...,
users=...)``): members with one of those roles or those user ids; naming neither means everyone
on the topic. Sealed fields (a PIN) are opened only for those the audience admits. A webhook
endpoint is the organization's own integration, registered by an admin: it sees as an admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.roles import Role
from realtime.topics import TOPICS, may_subscribe


class Member(Protocol):
    """Anyone with a role and maybe a user id: a socket's identity, a membership, a ``Viewer``."""

    @property
    def role(self) -> str: ...

    @property
    def user_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    role: str
    user_id: int | None = None


INTEGRATION = Viewer(role=Role.ADMIN)


def admits(audience: Mapping[str, Any], viewer: Member | None) -> bool:
    """Whether the event's own audience admits ``viewer`` (the topic aside)."""
    roles, users = audience.get("roles"), audience.get("users")
    if roles is None and users is None:
        return True
    if viewer is None:
        return False
    return bool((roles and viewer.role in roles) or (users and viewer.user_id in users))


def sees(viewer: Member, topic: str, audience: Mapping[str, Any]) -> bool:
    """Whether ``viewer`` may see an event on ``topic`` with ``audience``."""
    found = TOPICS.get(topic)
    return found is not None and may_subscribe(viewer.role, found) and admits(audience, viewer)
