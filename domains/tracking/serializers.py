"""Wire formats of the breadcrumbs API. Points are parsed by ``point_format.parse_points``; the
serializers here describe them for the OpenAPI document and validate query parameters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import DateRangeInput, StrictInput
from core.timezones import local_today, start_of_day
from domains.tracking.models import Device, FieldSettings


class PointSchema(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=64, help_text="The phone's id for the point (dedupe key).")
    recorded_at = serializers.DateTimeField(help_text="Device time, with its UTC offset.")
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    accuracy = serializers.FloatField(required=False, allow_null=True, help_text="Metres.")
    speed = serializers.FloatField(required=False, allow_null=True, help_text="Metres per second.")
    heading = serializers.FloatField(required=False, allow_null=True, help_text="Degrees, 0-360.")
    battery = serializers.IntegerField(required=False, allow_null=True, help_text="Percent.")


class UploadSchema(serializers.Serializer):
    points = PointSchema(many=True)


class ReceiptOutput(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(help_text="New points stored, in the track or filtered.")
    duplicates = serializers.IntegerField(help_text="Points stored before (a retried upload).")
    filtered = serializers.DictField(child=serializers.IntegerField(), help_text="Stored but filtered, by reason.")
    rejected = serializers.ListField(
        child=serializers.DictField(), help_text='Not stored: [{"index", "code": "out_of_window"}].'
    )


class PositionOutput(serializers.Serializer):
    recorded_at = serializers.DateTimeField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    accuracy = serializers.FloatField(allow_null=True)
    speed = serializers.FloatField(allow_null=True)
    heading = serializers.FloatField(allow_null=True)
    battery = serializers.IntegerField(allow_null=True)


class AgentOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The agent's user id.")
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    presence = serializers.ChoiceField(choices=["online", "idle", "offline"])
    last_fix_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    position = PositionOutput(allow_null=True)
    points_accepted = serializers.IntegerField()
    points_filtered = serializers.DictField(child=serializers.IntegerField())


class TrackPointOutput(PositionOutput):
    filtered = serializers.CharField(required=False, allow_null=True, help_text="With include_filtered: the reason.")
    received_at = serializers.DateTimeField(required=False, help_text="With include_filtered.")


class TrackOutput(serializers.Serializer):
    agent_id = serializers.IntegerField()
    to = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="Points in the range.")
    returned = serializers.IntegerField(help_text="Points returned after simplification.")
    distance_m = serializers.FloatField()
    points = TrackPointOutput(many=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField()
        return fields


class TrackInput(StrictInput):
    since = serializers.DateTimeField(required=False, help_text="Default: the start of today (organization time).")
    until = serializers.DateTimeField(required=False, help_text="Default: since + 1 day. At most 7 days after since.")
    simplify = serializers.FloatField(
        required=False, min_value=0, max_value=10_000, help_text="Douglas-Peucker tolerance in metres."
    )
    include_filtered = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tenant = self.context["tenant"]
        since = attrs.get("since") or start_of_day(tenant, local_today(tenant))
        until = attrs.get("until") or since + timedelta(days=1)
        if until <= since:
            raise serializers.ValidationError({"until": [gettext("until must be after since.")]}, code="invalid_range")
        if until - since > timedelta(days=7):
            raise serializers.ValidationError(
                {"until": [gettext("A track covers at most 7 days.")]}, code="range_too_long"
            )
        return {**attrs, "since": since, "until": until}


class DistanceDayOutput(serializers.Serializer):
    day = serializers.DateField()
    distance_m = serializers.FloatField()
    points = serializers.IntegerField()
    first_at = serializers.DateTimeField(allow_null=True)
    last_at = serializers.DateTimeField(allow_null=True)


class FieldSettingsOutput(serializers.ModelSerializer):
    checkin_radius_m = serializers.IntegerField()
    filter_future_seconds = serializers.IntegerField(allow_null=True)
    filter_accuracy_m = serializers.IntegerField(allow_null=True)
    filter_max_speed_kmh = serializers.IntegerField(allow_null=True)
    idle_after_seconds = serializers.IntegerField()
    offline_after_seconds = serializers.IntegerField()
    live_interval_ms = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True, help_text="Null while the defaults were never changed.")

    class Meta:
        model = FieldSettings
        fields = [
            "checkin_radius_m",
            "filter_invalid",
            "filter_zero",
            "filter_duplicate",
            "filter_future_seconds",
            "filter_accuracy_m",
            "filter_max_speed_kmh",
            "idle_after_seconds",
            "offline_after_seconds",
            "live_interval_ms",
            "updated_at",
        ]


class FieldSettingsInput(StrictInput):
    checkin_radius_m = serializers.IntegerField(min_value=10, max_value=50_000, required=False)
    filter_invalid = serializers.BooleanField(required=False)
    filter_zero = serializers.BooleanField(required=False)
    filter_duplicate = serializers.BooleanField(required=False)
    filter_future_seconds = serializers.IntegerField(min_value=0, max_value=86_400, required=False, allow_null=True)
    filter_accuracy_m = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    filter_max_speed_kmh = serializers.IntegerField(min_value=1, max_value=5_000, required=False, allow_null=True)
    idle_after_seconds = serializers.IntegerField(min_value=10, max_value=86_400, required=False)
    offline_after_seconds = serializers.IntegerField(min_value=30, max_value=7 * 86_400, required=False)
    live_interval_ms = serializers.IntegerField(min_value=0, max_value=60_000, required=False)


class DistanceInput(DateRangeInput):
    MAX_DAYS = 31


class DeviceInput(StrictInput):
    name = serializers.CharField(max_length=100, help_text="What the agent calls the phone or app.")
    agent = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="The agent's user id; yourself when left out."
    )


class DeviceOutput(serializers.ModelSerializer):
    agent_id = serializers.IntegerField()

    class Meta:
        model = Device
        fields = ["id", "agent_id", "name", "token_hint", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class DeviceCreatedOutput(DeviceOutput):
    token = serializers.CharField(help_text="Shown this once: only its hash is kept.")

    class Meta(DeviceOutput.Meta):
        fields = [*DeviceOutput.Meta.fields, "token"]
        read_only_fields = fields


class OsmandSchema(serializers.Serializer):
    """The OsmAnd protocol's parameters (query or form), as Traccar reads them."""

    id = serializers.CharField(help_text="The device token (or ``deviceid``).")
    timestamp = serializers.CharField(
        required=False, help_text="Unix seconds or milliseconds, ISO 8601, or yyyy-MM-dd HH:mm:ss (UTC); now if absent."
    )
    lat = serializers.FloatField(required=False)
    lon = serializers.FloatField(required=False)
    location = serializers.CharField(required=False, help_text="lat,lon instead of lat and lon.")
    speed = serializers.FloatField(required=False, help_text="Knots.")
    bearing = serializers.FloatField(required=False, help_text="Degrees (or ``heading``).")
    altitude = serializers.FloatField(required=False, help_text="Metres.")
    accuracy = serializers.FloatField(required=False, help_text="Metres.")
    batt = serializers.FloatField(required=False, help_text="Battery percent.")
    valid = serializers.CharField(required=False, help_text="false: the app's own fix is invalid (filtered).")


class OwntracksSchema(serializers.Serializer):
    """An OwnTracks message; only ``_type: location`` is recorded, others are accepted and left."""

    _type = serializers.CharField()
    lat = serializers.FloatField(required=False)
    lon = serializers.FloatField(required=False)
    tst = serializers.IntegerField(required=False, help_text="Unix seconds.")
    acc = serializers.FloatField(required=False)
    batt = serializers.IntegerField(required=False)
    vel = serializers.FloatField(required=False, help_text="km/h.")
    cog = serializers.FloatField(required=False)
    alt = serializers.FloatField(required=False)
    tid = serializers.CharField(required=False)
