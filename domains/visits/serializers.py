"""Wire formats of visits, their checklist and photos."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from core.photos import PHOTO_FIELDS, PhotoInputBase, PhotoOutputBase
from core.serializers import MemberField, StrictInput, TenantPrimaryKeyField
from core.timezones import local_today
from domains.clients.api import Client, Reference, ReferenceKind
from domains.visits.models import StepKind, Visit, VisitPhoto, VisitResult, VisitState, VisitStep


def agent_field(**kwargs: Any) -> MemberField:
    """A user id of a live member of the caller's organization who can make visits."""
    refusal = "This member cannot make visits."
    return MemberField(capability="visits.own", code="not_an_agent", message=refusal, **kwargs)


def entry(kind: str) -> TenantPrimaryKeyField:
    """A live entry of one of the organization's dictionaries (clients' references) of ``kind``."""
    return TenantPrimaryKeyField(queryset=Reference.objects.filter(kind=kind), required=False, allow_null=True)


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
    agent = agent_field(required=False, help_text="User id; yourself by default.")
    client = TenantPrimaryKeyField(queryset=Client.objects.all())
    planned_at = serializers.DateTimeField()
    type = entry(ReferenceKind.VISIT_TYPE)
    priority = entry(ReferenceKind.PRIORITY)
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class VisitUpdateInput(StrictInput):
    agent = agent_field(required=False)
    client = TenantPrimaryKeyField(queryset=Client.objects.all(), required=False)
    planned_at = serializers.DateTimeField(required=False)
    type = entry(ReferenceKind.VISIT_TYPE)
    priority = entry(ReferenceKind.PRIORITY)
    status = entry(ReferenceKind.VISIT_STATUS)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class FixInput(StrictInput):
    """The phone's GPS fix. Omit lat/lon when there is none: the visit is then flagged
    unverifiable rather than refused."""

    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    accuracy = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["lat"] is None) != (attrs["lon"] is None):
            raise serializers.ValidationError(
                {"lon" if attrs["lon"] is None else "lat": [gettext("Give both lat and lon.")]}
            )
        return attrs


class CheckOutInput(FixInput):
    status = entry(ReferenceKind.VISIT_STATUS)
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
    agent_name = serializers.CharField(
        source="agent.display_name", read_only=True, help_text="The agent's full name, or their username."
    )
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
            "agent_name",
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


class VisitPhotoInput(PhotoInputBase):
    """A photo taken at a visit, optionally for one checklist step: a JPEG, PNG, WebP or HEIC
    picture (judged by its content)."""

    status = entry(ReferenceKind.IMAGE_STATUS)
    source = entry(ReferenceKind.IMAGE_SOURCE)
    step = TenantPrimaryKeyField(queryset=VisitStep.objects.all(), required=False, allow_null=True, default=None)


class VisitPhotoOutput(PhotoOutputBase):
    """A photo taken at a visit; ``url`` downloads it (authenticated)."""

    class Meta:
        model = VisitPhoto
        fields = [*PHOTO_FIELDS, "visit", "step"]

    def url_of(self, photo: VisitPhoto) -> str:
        return f"/api/visits/photos/{photo.pk}/file/"


class DayReportInput(StrictInput):
    day = serializers.DateField(required=False, help_text="A day of the organization's calendar; default today.")
    agent = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="The agent's user id; yourself when left out."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"day": attrs.get("day") or local_today(self.context["tenant"]), "agent": attrs.get("agent")}


class DayVisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    client_name = serializers.CharField()
    state = serializers.ChoiceField(choices=VisitState.choices)
    planned_at = serializers.DateTimeField()
    checkin_at = serializers.DateTimeField(allow_null=True)
    checkout_at = serializers.DateTimeField(allow_null=True)
    checkin_verification = serializers.CharField()


# The movement's fields are trips' (its door's ``day_movement``), described once, by trips: the
# schema joins its ``AgentDayOutput`` with the visits' part (``DayReportSchema``).
class DayReportOutput(serializers.Serializer):
    """An agent's day: their movement (the fields of ``AgentDayOutput``: the day's trips, stops
    and totals) and their visits."""

    visits_planned = serializers.IntegerField(help_text="Visits planned for the day, not cancelled.")
    visits_done = serializers.IntegerField(help_text="Of those, checked out.")
    visits_cancelled = serializers.IntegerField()
    visits = DayVisitOutput(many=True)


class DayReportSchema(OpenApiSerializerExtension):
    """The daily report in the OpenAPI document: trips' ``AgentDayOutput`` and the visits' part."""

    target_class = DayReportOutput

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        visits = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {"allOf": [{"$ref": "#/components/schemas/AgentDayOutput"}, visits]}
