"""Notification rules for the benches."""

from __future__ import annotations

from collections.abc import Sequence

from core.models import Organization
from domains.notifications.models import Rule
from domains.notifications.services import rule_delete, rule_save


def rules(tenant: Organization, event_types: Sequence[Sequence[str]], roles: Sequence[str]) -> list[int]:
    """A rule per list of event types, for ``roles``, by e-mail; their ids."""
    return [
        rule_save(
            tenant=tenant, name=f"bench rule {n}", event_types=list(types), roles=list(roles), channels=["email"]
        ).pk
        for n, types in enumerate(event_types)
    ]


def rule_count(tenant_id: int) -> int:
    return Rule.objects.filter(tenant_id=tenant_id, active=True).count()


def remove_rules(tenant_id: int) -> None:
    for rule in Rule.objects.filter(tenant_id=tenant_id):
        rule_delete(rule=rule)
