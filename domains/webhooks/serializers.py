"""Wire formats of webhooks: endpoints, the delivery log, replays."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import StrictInput
from domains.webhooks.models import Attempt, Delivery, Endpoint, EndpointState


class EndpointOutput(serializers.ModelSerializer):
    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "with_secrets",
            "state",
            "state_reason",
            "created_at",
            "updated_at",
        ]


class EndpointCreatedOutput(EndpointOutput):
    secret = serializers.CharField(help_text="The signing secret (whsec_…): shown in this answer only.")

    class Meta(EndpointOutput.Meta):
        fields = [*EndpointOutput.Meta.fields, "secret"]


class SecretOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret (whsec_…): shown in this answer only.")


class EndpointInput(StrictInput):
    url = serializers.URLField(max_length=2000, help_text="http or https; private addresses are refused.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=200,
        help_text="Event types from the AsyncAPI catalogue (GET /api/webhooks/event-types/); "
        "another name is a 400 unknown_event_type.",
    )
    with_secrets = serializers.BooleanField(
        required=False, help_text="Deliver sealed fields (an order's PIN) opened; otherwise they are null."
    )
    state = serializers.ChoiceField(
        choices=EndpointState.choices,
        required=False,
        help_text="active resumes a paused or disabled endpoint where its deliveries stopped; "
        "disabled is the receiver's doing (a 410), not set here.",
    )

    def validate_state(self, value: str) -> str:
        if value == EndpointState.DISABLED:
            raise serializers.ValidationError(
                gettext("Set active or paused; disabled comes from a 410."), code="invalid_choice"
            )
        return value


class EndpointPatch(EndpointInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class WebhookAttemptOutput(serializers.ModelSerializer):
    # Plain integers: the model's positive-integer bounds differ by database vendor.
    status_code = serializers.IntegerField(allow_null=True, help_text="None when no answer came (see error).")
    latency_ms = serializers.IntegerField()

    class Meta:
        model = Attempt
        fields = ["id", "started_at", "status_code", "latency_ms", "error", "response"]


class WebhookDeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="message.event_id")
    event_type = serializers.CharField(source="message.type")
    occurred_at = serializers.DateTimeField(source="message.occurred_at")
    attempt_log = WebhookAttemptOutput(many=True, help_text="Every attempt, oldest first.")
    attempts = serializers.IntegerField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "occurred_at",
            "state",
            "attempts",
            "next_attempt_at",
            "first_attempt_at",
            "finished_at",
            "replay_of",
            "created_at",
            "attempt_log",
        ]


class ReplayRangeInput(StrictInput):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": [gettext("Must be after since.")]}, code="invalid")
        return attrs


class ReplayedOutput(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Deliveries queued again, in order, after the endpoint's line.")


class EventTypeOutput(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.SerializerMethodField(help_text="A few words naming it, in the reader's language.")
    topic = serializers.CharField()
    version = serializers.IntegerField()
    description = serializers.CharField(help_text="For integrators, in English (docs/asyncapi.yaml).")

    def get_title(self, spec: Any) -> str:
        return str(spec.title or spec.name)
