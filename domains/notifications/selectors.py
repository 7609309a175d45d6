"""Reads of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Organization
from domains.notifications.models import HttpGateway, Notification, Rule, TelegramBot


def bot_of(*, tenant: Organization) -> TelegramBot | None:
    return TelegramBot.objects.filter(tenant=tenant).first()


def gateway_of(*, tenant: Organization) -> HttpGateway | None:
    return HttpGateway.objects.filter(tenant=tenant).first()


def rule_list(*, tenant: Organization) -> QuerySet[Rule]:
    return Rule.objects.filter(tenant=tenant).order_by("pk")


def notification_log(*, tenant: Organization) -> QuerySet[Notification]:
    """Newest first."""
    return Notification.objects.filter(tenant=tenant).select_related("user").order_by("-pk")
