"""Wire formats of alarms."""

from __future__ import annotations

from rest_framework import serializers

from core.serializers import StrictInput
from domains.alarms.kinds import ALARM_KINDS, label_of
from domains.alarms.models import Alarm


class AlarmOutput(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField(help_text="The kind's name, in the reader's language.")
    message = serializers.SerializerMethodField(help_text="What the alarm is about, in the reader's language.")
    acknowledged = serializers.SerializerMethodField()
    acknowledged_by_username = serializers.CharField(source="acknowledged_by.username", default=None, allow_null=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "message",
            "details",
            "raised_at",
            "acknowledged",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_by_username",
            "acknowledge_note",
            "cleared_at",
        ]

    def get_kind_label(self, alarm: Alarm) -> str:
        return label_of(alarm.kind)

    def get_message(self, alarm: Alarm) -> str:
        kind = ALARM_KINDS.get(alarm.kind)
        return (kind.describe(alarm.facts) if kind and alarm.facts else None) or alarm.message

    def get_acknowledged(self, alarm: Alarm) -> bool:
        return alarm.acknowledged_at is not None


class AcknowledgeInput(StrictInput):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
