"""Reads of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Organization
from domains.notifications.models import HttpGateway, Notification, Rule, TelegramBot
from realtime.events import EVENT_TYPES


def bot_of(*, tenant: Organization) -> TelegramBot | None:
    return TelegramBot.objects.filter(tenant=tenant).first()


def gateway_of(*, tenant: Organization) -> HttpGateway | None:
    return HttpGateway.objects.filter(tenant=tenant).first()


def rule_list(*, tenant: Organization) -> QuerySet[Rule]:
    return Rule.objects.filter(tenant=tenant).order_by("pk")


def notification_log(*, tenant: Organization) -> QuerySet[Notification]:
    """Newest first."""
    return Notification.objects.filter(tenant=tenant).select_related("user").order_by("-pk")


def followable_event_types() -> list[dict[str, str]]:
    """The events a rule may follow (those with a sentence for people), named in the active
    language, by name."""
    told = [spec for spec in EVENT_TYPES.values() if spec.message is not None]
    return sorted(
        ({"name": spec.name, "title": str(spec.title or spec.name)} for spec in told), key=lambda t: t["title"]
    )
