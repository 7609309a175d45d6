"""Rules: which events go to which members, over which channels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import invalid
from core.models import Membership, Organization
from core.roles import Role
from domains.notifications.models import Channel, Rule
from realtime import fanout
from realtime.events import EVENT_TYPES


def _unknown(field: str, names: Sequence[Any], message: str) -> ValidationError:
    return invalid(field, "invalid_choice", message % {"names": ", ".join(map(str, names))})


def rule_save(*, tenant: Organization, rule: Rule | None = None, **values: Any) -> Rule:
    """Create or change a rule; every name it holds is checked against what exists."""
    rule = rule or Rule(tenant=tenant)
    for name, value in values.items():
        setattr(rule, name, value)
    if unknown := sorted(set(rule.event_types) - set(EVENT_TYPES)):
        raise _unknown("event_types", unknown, gettext("Not in the event catalogue: %(names)s."))
    # A person is told in a sentence of their language; events with none (a GPS fix, a recount of
    # portions) are for screens and integrations, never a message.
    if untold := sorted(name for name in rule.event_types if EVENT_TYPES[name].message is None):
        raise _unknown("event_types", untold, gettext("Not events a person is told of: %(names)s."))
    if unknown := sorted(set(rule.roles) - set(Role.values)):
        raise _unknown("roles", unknown, gettext("Not roles: %(names)s."))
    if unknown := sorted(set(rule.channels) - set(Channel.values)):
        raise _unknown("channels", unknown, gettext("Not channels: %(names)s."))
    members = set(Membership.objects.filter(tenant=tenant, user_id__in=rule.users).values_list("user_id", flat=True))
    if unknown := sorted(set(rule.users) - members):
        raise _unknown("users", unknown, gettext("Not members here: %(names)s."))
    if not rule.roles and not rule.users:
        raise invalid("roles", "required", gettext("Name roles, members, or both."))
    rule.event_types, rule.roles = sorted(set(rule.event_types)), sorted(set(rule.roles))
    rule.users, rule.channels = sorted(set(rule.users)), sorted(set(rule.channels))
    rule.save()
    fanout.changed()
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()
    fanout.changed()
