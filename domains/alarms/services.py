"""Raising and acknowledging alarms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.errors import Conflict
from core.models import User
from domains.alarms import events
from domains.alarms.kinds import AlarmKind
from domains.alarms.models import Alarm
from realtime.events import emit


@transaction.atomic
def raise_alarm(
    *, tenant_id: int, kind: AlarmKind, subject: str, details: Mapping[str, Any], event: Mapping[str, Any]
) -> tuple[Alarm, bool]:
    """Raise the alarm for ``(kind, subject)`` once: a second call refreshes its details and
    emits nothing. ``event`` is the payload of ``alarm.<kind>`` (without ``alarm_id``); the
    stored message is the kind's sentence in the default language (readers get their own).
    Returns the alarm and whether it is new."""
    facts = dict(json.loads(json.dumps(event, cls=DjangoJSONEncoder)))
    with translation.override(settings.LANGUAGE_CODE):
        message = (kind.describe(facts) or kind.event.name)[:500]
    alarm, created = Alarm.objects.select_for_update().get_or_create(
        tenant_id=tenant_id,
        kind=kind.name,
        subject=subject,
        defaults={"message": message, "details": dict(details), "facts": facts, "raised_at": timezone.now()},
    )
    if created:
        emit(tenant_id=tenant_id, type=kind.event.name, data={"alarm_id": alarm.pk, **event})
    else:
        alarm.message, alarm.details, alarm.facts = message, dict(details), facts
        alarm.save(update_fields=["message", "details", "facts", "updated_at"])
    return alarm, created


@transaction.atomic
def clear_alarms(*, tenant_id: int, kind: AlarmKind, subject: str | None = None) -> int:
    """Mark every open alarm of ``kind`` (about ``subject``, when given) cleared: its cause is
    over. Once; returns how many."""
    cleared = 0
    found = Alarm.objects.select_for_update().filter(tenant_id=tenant_id, kind=kind.name, cleared_at__isnull=True)
    for alarm in found.filter(subject=subject) if subject is not None else found:
        alarm.cleared_at = timezone.now()
        alarm.save(update_fields=["cleared_at", "updated_at"])
        emit(
            tenant_id=tenant_id,
            type=events.CLEARED.name,
            data={"alarm_id": alarm.pk, "kind": kind.name, "subject": alarm.subject},
        )
        cleared += 1
    return cleared


@transaction.atomic
def acknowledge(*, alarm: Alarm, actor: User, note: str = "") -> Alarm:
    alarm = Alarm.objects.select_for_update().get(pk=alarm.pk)
    if alarm.acknowledged_at:
        raise Conflict(gettext("This alarm is already acknowledged."), code="already_acknowledged")
    alarm.acknowledged_at = timezone.now()
    alarm.acknowledged_by = actor
    alarm.acknowledge_note = note
    alarm.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note", "updated_at"])
    emit(
        tenant_id=alarm.tenant_id,
        type=events.ACKNOWLEDGED.name,
        actor_id=actor.pk,
        data={
            "alarm_id": alarm.pk,
            "kind": alarm.kind,
            "subject": alarm.subject,
            "acknowledged_by": actor.pk,
            "note": note,
        },
    )
    return alarm
