"""Wire formats of geofences: GeoJSON in and out (the geometry checked as the index reads it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import StrictInput
from domains.geofencing.geometry import BadGeometry, read_geometry
from domains.geofencing.models import Geofence, GeofenceKind


class GeofenceInput(StrictInput):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=GeofenceKind.choices, default=GeofenceKind.ZONE)
    geometry = serializers.JSONField(help_text="GeoJSON Polygon, MultiPolygon, or Point with radius_m; [lon, lat].")
    radius_m = serializers.FloatField(required=False, allow_null=True, default=None, min_value=1, max_value=100_000)
    agents = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_null=True,
        default=None,
        max_length=1000,
        help_text="The agents' user ids it is for; null or absent: every agent.",
    )
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, default=list, max_length=7
    )
    start_time = serializers.TimeField(required=False, allow_null=True, default=None)
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)
    dwell_minutes = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=1440)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            read_geometry(attrs["geometry"], attrs.get("radius_m"))
        except BadGeometry as error:
            raise serializers.ValidationError({"geometry": [str(error)]}, code="invalid_geometry") from None
        if (attrs.get("start_time") is None) != (attrs.get("end_time") is None):
            raise serializers.ValidationError(
                {"end_time": [gettext("Give start_time and end_time together.")]}, code="invalid"
            )
        agents = attrs.get("agents")
        if agents:
            members = self.context["agents"](agents)
            if missing := sorted(set(agents) - members):
                raise serializers.ValidationError(
                    {"agents": [gettext("Not agents here: %(ids)s.") % {"ids": ", ".join(map(str, missing[:10]))}]},
                    code="not_an_agent",
                )
        attrs["days"] = sorted(set(attrs.get("days") or []))
        return attrs


class GeofenceOutput(serializers.ModelSerializer):
    agents = serializers.SerializerMethodField()
    # Text, not format "time": JSON Schema's time needs a UTC offset, and these are local hours.
    start_time = serializers.CharField(allow_null=True, read_only=True, help_text="HH:MM:SS, organization time.")
    end_time = serializers.CharField(allow_null=True, read_only=True, help_text="HH:MM:SS, organization time.")

    class Meta:
        model = Geofence
        fields = [
            "id",
            "name",
            "kind",
            "geometry",
            "radius_m",
            "agents",
            "days",
            "start_time",
            "end_time",
            "dwell_minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_agents(self, fence: Geofence) -> list[int] | None:
        """The agents it is for; null: every agent."""
        return None if fence.everyone else sorted(a.pk for a in fence.agents.all())
