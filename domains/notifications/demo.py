"""The demo's notification rules for `make run`: low stock and every alarm to the managers, by
e-mail (printed by the web process until EMAIL_HOST is set) and by Telegram once a bot is
connected and they link their chat. The demo manager has an address, so the kitchen's demo
servings that run stock low leave messages in the log."""

from __future__ import annotations

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from domains.notifications import services
from domains.notifications.models import Rule
from realtime.events import EVENT_TYPES


def seed(tenant: Organization) -> None:
    if Rule.objects.filter(tenant=tenant).exists():
        return
    manager = User.objects.get(username=demo_username(Role.MANAGER))
    preference = services.preference_for(tenant_id=tenant.pk, user=manager)
    services.preference_update(preference=preference, email=preference.email or "manager@demo.oqim.example")
    alarms = sorted(name for name in EVENT_TYPES if name.startswith("alarm."))
    services.rule_save(
        tenant=tenant,
        name="Low stock and alarms to the managers",
        event_types=["stock.low", *alarms],
        roles=[Role.MANAGER],
        channels=["email", "telegram"],
    )
