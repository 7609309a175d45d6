"""Wire formats of visits, their checklist and photos."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.serializers import StrictInput, TenantPrimaryKeyField
from domains.clients.api import AgentField, Client, PhotoInput, PhotoOutput, ReferenceField, ReferenceKind
from domains.locations.api import AgentDayOutput, DayInput
from domains.visits.models import StepKind, Visit, VisitPhoto, VisitResult, VisitState, VisitStep


class StepInput(StrictInput):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=StepKind.choices, required=False, default=StepKind.CHECK)
    required = serializers.BooleanField(required=False, default=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)


class StepUpdateInput(StepInput):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=StepKind.choices, required=False)
    required = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class StepOutput(serializers.ModelSerializer):
    position = serializers.IntegerField()

    class Meta:
        model = VisitStep
        fields = ["id", "name", "kind", "required", "position", "created_at", "updated_at"]


class VisitInput(StrictInput):
    agent = AgentField(required=False, help_text="User id; yourself by default.")
    client = TenantPrimaryKeyField(queryset=Client.objects.all())
    planned_at = serializers.DateTimeField()
    type = ReferenceField(ReferenceKind.VISIT_TYPE)
    priority = ReferenceField(ReferenceKind.PRIORITY)
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class VisitUpdateInput(StrictInput):
    agent = AgentField(required=False)
    client = TenantPrimaryKeyField(queryset=Client.objects.all(), required=False)
    planned_at = serializers.DateTimeField(required=False)
    type = ReferenceField(ReferenceKind.VISIT_TYPE)
    priority = ReferenceField(ReferenceKind.PRIORITY)
    status = ReferenceField(ReferenceKind.VISIT_STATUS)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class FixInput(StrictInput):
    """The phone's GPS fix. Omit lat/lon when there is none: the visit is then flagged
    unverifiable rather than refused."""

    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    accuracy = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["lat"] is None) != (attrs["lon"] is None):
            raise serializers.ValidationError({"lon" if attrs["lon"] is None else "lat": ["Give both lat and lon."]})
        return attrs


class CheckOutInput(FixInput):
    status = ReferenceField(ReferenceKind.VISIT_STATUS)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class CancelInput(StrictInput):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ResultInput(StrictInput):
    step = TenantPrimaryKeyField(queryset=VisitStep.objects.all())
    value = serializers.JSONField(help_text="true/false, a number or text, as the step's kind says.")


class ResultOutput(serializers.ModelSerializer):
    class Meta:
        model = VisitResult
        fields = ["step", "value", "recorded_by", "recorded_at"]


class VisitOutput(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name")
    agent_username = serializers.CharField(source="agent.username")
    type_name = serializers.CharField(source="type.name", default=None, allow_null=True)
    priority_name = serializers.CharField(source="priority.name", default=None, allow_null=True)
    status_name = serializers.CharField(source="status.name", default=None, allow_null=True)
    results = ResultOutput(many=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "agent",
            "agent_username",
            "client",
            "client_name",
            "type",
            "type_name",
            "priority",
            "priority_name",
            "status",
            "status_name",
            "planned_at",
            "state",
            "note",
            "checkin_at",
            "checkin_lat",
            "checkin_lon",
            "checkin_accuracy",
            "checkin_distance_m",
            "checkin_verification",
            "checkout_at",
            "checkout_lat",
            "checkout_lon",
            "checkout_accuracy",
            "checkout_distance_m",
            "checkout_verification",
            "results",
            "created_by",
            "created_at",
            "updated_at",
        ]


class VisitPhotoInput(PhotoInput):
    step = TenantPrimaryKeyField(queryset=VisitStep.objects.all(), required=False, allow_null=True, default=None)


class VisitPhotoOutput(PhotoOutput):
    class Meta(PhotoOutput.Meta):
        model = VisitPhoto
        fields = [*PhotoOutput.Meta.fields, "visit", "step"]

    def get_url(self, photo: VisitPhoto) -> str:  # type: ignore[override]
        """Where to download the picture (authenticated)."""
        return f"/api/visits/photos/{photo.pk}/file/"


class DayReportInput(DayInput):
    agent = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="The agent's user id; yourself when left out."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {**super().validate(attrs), "agent": attrs.get("agent")}


class DayVisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    client_name = serializers.CharField()
    state = serializers.ChoiceField(choices=VisitState.choices)
    planned_at = serializers.DateTimeField()
    checkin_at = serializers.DateTimeField(allow_null=True)
    checkout_at = serializers.DateTimeField(allow_null=True)
    checkin_verification = serializers.CharField()


class DayReportOutput(AgentDayOutput):
    visits_planned = serializers.IntegerField(help_text="Visits planned for the day, not cancelled.")
    visits_done = serializers.IntegerField(help_text="Of those, checked out.")
    visits_cancelled = serializers.IntegerField()
    visits = DayVisitOutput(many=True)
