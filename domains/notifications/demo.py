"""The demo's notification rules for `make run`: low stock and every alarm to the managers, by
e-mail (printed by the web process until EMAIL_HOST is set) and by Telegram once a bot is
connected and they link their chat. Seeding announces nothing (``core.seeding``); the log shows,
as history, the messages the rule would have sent for the demo's last events (marked sent when
they happened; nothing goes out)."""

from __future__ import annotations

from django.conf import settings

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from core.selectors import language_of
from domains.notifications import services
from domains.notifications.models import Channel, Notification, Rule, State
from domains.notifications.rendering import render
from realtime.events import EVENT_TYPES
from realtime.models import OutboxEvent


def seed(tenant: Organization) -> None:
    if Rule.objects.filter(tenant=tenant).exists():
        return
    manager = User.objects.get(username=demo_username(Role.MANAGER))
    preference = services.preference_for(tenant_id=tenant.pk, user=manager)
    services.preference_update(preference=preference, email=preference.email or "manager@demo.oqim.example")
    alarms = sorted(name for name in EVENT_TYPES if name.startswith("alarm."))
    services.rule_save(
        tenant=tenant,
        name="Kam qolgan mahsulotlar va signallar menejerlarga",
        event_types=["stock.low", *alarms],
        roles=[Role.MANAGER],
        channels=["email", "telegram"],
    )


def settle(tenant: Organization) -> None:
    if Notification.objects.filter(tenant=tenant).exists():
        return
    rule = Rule.objects.filter(tenant=tenant).first()
    manager = User.objects.get(username=demo_username(Role.MANAGER))
    if rule is None:
        return
    language = language_of(tenant_id=tenant.pk, user_id=manager.pk) or settings.NOTIFICATIONS_LANGUAGE
    for event in OutboxEvent.objects.filter(tenant=tenant, type__in=rule.event_types).order_by("-pk")[:5]:
        Notification.objects.create(
            tenant=tenant,
            event_id=event.event_id,
            event_type=event.type,
            rule=rule,
            user=manager,
            channel=Channel.EMAIL,
            language=language,
            text=render(event_type=event.type, data=event.data, language=language, organization=tenant.name),
            state=State.SENT,
            attempts=1,
            next_attempt_at=event.occurred_at,
            sent_at=event.occurred_at,
        )
