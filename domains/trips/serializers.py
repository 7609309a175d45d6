"""Wire formats of an agent's day of movement: the day asked for, and its trips and stops."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.serializers import StrictInput
from core.timezones import local_today


class DayInput(StrictInput):
    day = serializers.DateField(required=False, help_text="A day of the organization's calendar; default today.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"day": attrs.get("day") or local_today(self.context["tenant"])}


class LatLonOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class TripOutput(serializers.Serializer):
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    seconds = serializers.FloatField()
    distance_m = serializers.FloatField()
    max_speed = serializers.FloatField(help_text="m/s")
    start = LatLonOutput()
    end = LatLonOutput()
    points = serializers.IntegerField()


class StopClientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    distance_m = serializers.FloatField()


class StopOutput(serializers.Serializer):
    arrived_at = serializers.DateTimeField()
    departed_at = serializers.DateTimeField()
    seconds = serializers.FloatField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    client = StopClientOutput(allow_null=True, help_text="The nearest client within the check-in radius.")
    points = serializers.IntegerField()


class AgentDayOutput(serializers.Serializer):
    agent_id = serializers.IntegerField()
    day = serializers.DateField()
    points = serializers.IntegerField()
    distance_m = serializers.FloatField()
    moving_seconds = serializers.FloatField(help_text="In trips.")
    stopped_seconds = serializers.FloatField()
    at_clients_seconds = serializers.FloatField(help_text="At stops near a client.")
    outside_territory_seconds = serializers.FloatField(help_text="In working hours, outside every territory.")
    trips = TripOutput(many=True)
    stops = StopOutput(many=True)
