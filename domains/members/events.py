"""Events of the organization and its members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from core.roles import Role
from realtime.events import event_type
from realtime.topics import topic

ORGANIZATION_TOPIC = topic(
    "organization", capabilities=("tenant.view",), description="The organization's profile and settings"
)
MEMBERS_TOPIC = topic("members", capabilities=("members.view",), description="Members joining, changing role, leaving")


class OrganizationUpdated(TypedDict):
    name: str
    timezone: str


class MemberPayload(TypedDict):
    membership_id: int
    user_id: int
    username: str
    role: str
    onec_code: str


def _member(data: Mapping[str, Any]) -> dict[str, str]:
    return {
        "who": words.person(data["user_id"]),
        "role": str(Role(data["role"]).label) if data["role"] in Role.values else data["role"],
    }


ORGANIZATION_UPDATED = event_type(
    "organization.updated",
    title=gettext_lazy("Organization details changed"),
    topic="organization",
    payload=OrganizationUpdated,
    description="The organization's name or timezone changed.",
)
MEMBER_JOINED = event_type(
    "member.joined",
    title=gettext_lazy("Member joined"),
    topic="members",
    payload=MemberPayload,
    description="A member was added to the organization.",
    message=lambda data: _("%(who)s joined as %(role)s.") % _member(data),
)
MEMBER_ROLE_CHANGED = event_type(
    "member.role_changed",
    title=gettext_lazy("Member's role changed"),
    topic="members",
    payload=MemberPayload,
    description="A member's role changed.",
    message=lambda data: _("%(who)s is now %(role)s.") % _member(data),
)
MEMBER_DEACTIVATED = event_type(
    "member.deactivated",
    title=gettext_lazy("Member deactivated"),
    topic="members",
    payload=MemberPayload,
    description="A member lost access.",
    message=lambda data: _("%(who)s no longer has access.") % _member(data),
)
MEMBER_UPDATED = event_type(
    "member.updated",
    title=gettext_lazy("Member's details changed"),
    topic="members",
    payload=MemberPayload,
    description="A member's 1C code or password changed (a password never travels).",
)
SESSION_REVOKED = event_type(
    "member.session_revoked",
    title=gettext_lazy("Member's session ended: stolen token suspected"),
    topic="members",
    payload=MemberPayload,
    description="A refresh token was used again after it had been rotated, a sign it was copied: the session "
    "it belonged to was ended on every device (refresh and access tokens). The member signs in again.",
    message=lambda data: (
        _("%(who)s's session was ended: one of its sign-in tokens was used twice (copied?).") % _member(data)
    ),
)
