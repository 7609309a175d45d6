"""Wire formats of alarms."""

from __future__ import annotations

from rest_framework import serializers

from core.serializers import StrictInput
from domains.alarms.models import Alarm


class AlarmOutput(serializers.ModelSerializer):
    acknowledged = serializers.SerializerMethodField()
    acknowledged_by_username = serializers.CharField(source="acknowledged_by.username", default=None, allow_null=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "kind",
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

    def get_acknowledged(self, alarm: Alarm) -> bool:
        return alarm.acknowledged_at is not None


class AcknowledgeInput(StrictInput):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
