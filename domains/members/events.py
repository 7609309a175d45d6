"""Events of the organization and its members."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class OrganizationUpdated(TypedDict):
    name: str
    timezone: str


class MemberPayload(TypedDict):
    membership_id: int
    user_id: int
    username: str
    role: str
    onec_code: str


ORGANIZATION_UPDATED = event_type(
    "organization.updated",
    topic="organization",
    payload=OrganizationUpdated,
    description="The organization's name or timezone changed.",
)
MEMBER_JOINED = event_type(
    "member.joined", topic="members", payload=MemberPayload, description="A member was added to the organization."
)
MEMBER_ROLE_CHANGED = event_type(
    "member.role_changed", topic="members", payload=MemberPayload, description="A member's role changed."
)
MEMBER_DEACTIVATED = event_type(
    "member.deactivated", topic="members", payload=MemberPayload, description="A member lost access."
)
MEMBER_UPDATED = event_type(
    "member.updated",
    topic="members",
    payload=MemberPayload,
    description="A member's 1C code or password changed (a password never travels).",
)
