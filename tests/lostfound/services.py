"""Logging a thing found: the row, its event and, for a valuable one, the alarm, in one transaction."""

from __future__ import annotations

from django.db import transaction

from core.models import Organization, User
from domains.alarms.api import raise_alarm
from realtime.events import emit
from tests.lostfound import events
from tests.lostfound.alarms import VALUABLE_FOUND
from tests.lostfound.models import Item


@transaction.atomic
def item_log(*, tenant: Organization, actor: User, description: str, valuable: bool = False) -> Item:
    item = Item.objects.create(tenant=tenant, description=description, valuable=valuable, found_by=actor)
    data = {"item_id": item.pk, "description": description, "valuable": valuable}
    emit(tenant_id=tenant.pk, type=events.ITEM_LOGGED.name, actor_id=actor.pk, data=data)
    if valuable:
        facts = {"item_id": item.pk, "description": description}
        raise_alarm(tenant_id=tenant.pk, kind=VALUABLE_FOUND, subject=f"item-{item.pk}", details=facts, event=facts)
    return item
