"""Rules: which events go to which members, over which channels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.exceptions import ValidationError

from core.errors import invalid
from core.models import Membership, Organization
from core.roles import Role
from domains.notifications.models import Channel, Rule
from realtime.events import EVENT_TYPES


def _unknown(field: str, names: Sequence[Any], what: str) -> ValidationError:
    return invalid(field, "invalid_choice", f"Not {what}: {', '.join(map(str, names))}.")


def rule_save(*, tenant: Organization, rule: Rule | None = None, **values: Any) -> Rule:
    """Create or change a rule; every name it holds is checked against what exists."""
    rule = rule or Rule(tenant=tenant)
    for name, value in values.items():
        setattr(rule, name, value)
    if unknown := sorted(set(rule.event_types) - set(EVENT_TYPES)):
        raise _unknown("event_types", unknown, "in the event catalogue")
    if unknown := sorted(set(rule.roles) - set(Role.values)):
        raise _unknown("roles", unknown, "roles")
    if unknown := sorted(set(rule.channels) - set(Channel.values)):
        raise _unknown("channels", unknown, "channels")
    members = set(Membership.objects.filter(tenant=tenant, user_id__in=rule.users).values_list("user_id", flat=True))
    if unknown := sorted(set(rule.users) - members):
        raise _unknown("users", unknown, "members here")
    if not rule.roles and not rule.users:
        raise invalid("roles", "required", "Name roles, members, or both.")
    rule.event_types, rule.roles = sorted(set(rule.event_types)), sorted(set(rule.roles))
    rule.users, rule.channels = sorted(set(rule.users)), sorted(set(rule.channels))
    rule.save()
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()
