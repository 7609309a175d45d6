"""Queuing: one message per (event, member, channel) that a rule asks for, in the member's
language, written from the committed events by ``realtime.fanout``, once: a committed alarm is
never missed by a crash, and a rolled-back one never told."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Membership, Organization, User
from domains.notifications.models import Channel, HttpGateway, Notification, Preference, Rule, TelegramBot
from domains.notifications.rendering import render
from domains.notifications.services.sending import kick_events
from realtime.audience import sees
from realtime.models import OutboxEvent


def available_channels(tenant_id: int) -> set[str]:
    """The channels this organization can send over now."""
    found = {Channel.EMAIL.value} if settings.EMAIL_HOST or not settings.IS_PRODUCTION else set()
    if TelegramBot.objects.filter(tenant_id=tenant_id).exists():
        found.add(Channel.TELEGRAM.value)
    if HttpGateway.objects.filter(tenant_id=tenant_id).exists():
        found.add(Channel.HTTP.value)
    return found


def _matches(rule: Rule, row: OutboxEvent) -> bool:
    if row.type not in rule.event_types:
        return False
    if rule.branch_id is not None and row.data.get("branch_id") != rule.branch_id:
        return False
    return rule.meal_id is None or row.data.get("meal_id") == rule.meal_id


def _reachable(preference: Preference | None, user: User, channel: str) -> bool:
    if preference is not None and preference.channels and channel not in preference.channels:
        return False
    if channel == Channel.TELEGRAM:
        return preference is not None and preference.telegram_chat_id is not None
    if channel == Channel.EMAIL:
        return bool((preference.email if preference else "") or user.email)
    return preference is not None and bool(preference.phone)


def subscriptions() -> Iterator[tuple[int | None, str]]:
    """The fan-out's view of what rules want: (organization, event type) pairs."""
    for tenant_id, types in Rule.objects.filter(active=True).values_list("tenant_id", "event_types"):
        for name in types:
            yield tenant_id, name


def queue_notifications(rows: Sequence[OutboxEvent]) -> None:
    """The fan-out follower: the messages the rules ask for, in the fan-out's transaction."""
    tenants = {row.tenant_id for row in rows}
    rules = list(Rule.objects.filter(tenant_id__in=tenants, active=True))
    if not rules:
        return
    wanted = [
        (row, [rule for rule in rules if rule.tenant_id == row.tenant_id and _matches(rule, row)]) for row in rows
    ]
    wanted = [(row, matched) for row, matched in wanted if matched]
    if not wanted:
        return
    user_ids = {u for _row, matched in wanted for rule in matched for u in rule.users}
    roles = {r for _row, matched in wanted for rule in matched for r in rule.roles}
    members = list(
        Membership.objects.filter(tenant_id__in=tenants, deleted_at__isnull=True)
        .filter(Q(user_id__in=user_ids) | Q(role__in=roles))
        .select_related("user")
    )
    preferences = {
        (p.tenant_id, p.user_id): p
        for p in Preference.objects.filter(tenant_id__in=tenants, user_id__in=[m.user_id for m in members])
    }
    names = dict(Organization.objects.filter(pk__in=tenants).values_list("pk", "name"))
    channels = {tenant_id: available_channels(tenant_id) for tenant_id in tenants}
    now = timezone.now()
    messages: list[Notification] = []
    for row, matched in wanted:
        for membership in members:
            if membership.tenant_id != row.tenant_id or not sees(membership, row.topic, row.audience):
                continue
            chosen = [rule for rule in matched if membership.user_id in rule.users or membership.role in rule.roles]
            preference = preferences.get((row.tenant_id, membership.user_id))
            language = membership.language or settings.NOTIFICATIONS_LANGUAGE
            for channel in sorted({c for rule in chosen for c in rule.channels} & channels[row.tenant_id]):
                if not _reachable(preference, membership.user, channel):
                    continue
                rule = next(r for r in chosen if channel in r.channels)
                messages.append(
                    Notification(
                        tenant_id=row.tenant_id,
                        event_id=row.event_id,
                        event_type=row.type,
                        rule=rule,
                        user_id=membership.user_id,
                        channel=channel,
                        language=language,
                        text=render(
                            event_type=row.type,
                            data=row.data,
                            language=language,
                            organization=names.get(row.tenant_id, ""),
                        ),
                        next_attempt_at=now,
                    )
                )
    if messages:
        Notification.objects.bulk_create(messages, ignore_conflicts=True)  # once per member and channel
        transaction.on_commit(partial(kick_events, sorted({str(m.event_id) for m in messages})))
