"""Wire formats of the 1C connection and its journal. The password is write-only."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import StrictInput
from domains.onec import problems
from domains.onec.models import Connection, Document, Exchange


class ConnectionInput(StrictInput):
    wsdl_url = serializers.URLField(
        max_length=500, help_text="The published WSDL, e.g. https://1c.example.uz/base/ws/exchange.1cws?wsdl"
    )
    failover_url = serializers.URLField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Used when the primary fails (connection error, timeout, 5xx).",
    )
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        help_text="Omit to keep the stored one; empty to clear it.",
    )
    node = serializers.RegexField(
        r"^[\w.-]{1,50}$", required=False, default="oqim", help_text="This node's code in 1C's exchange plan."
    )
    timeout_seconds = serializers.IntegerField(min_value=1, max_value=300, required=False, default=30)
    interval_minutes = serializers.IntegerField(min_value=1, max_value=1440, required=False, default=15)
    page_size = serializers.IntegerField(min_value=10, max_value=10000, required=False, default=1000)
    enabled = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("failover_url") and attrs["failover_url"] == attrs["wsdl_url"]:
            raise serializers.ValidationError(
                {"failover_url": [gettext("The failover must be another URL.")]}, code="invalid"
            )
        return attrs


class ConnectionOutput(serializers.ModelSerializer):
    # Plain strings: the failover may be empty, which is no URI.
    wsdl_url = serializers.CharField(read_only=True)
    failover_url = serializers.CharField(read_only=True)
    has_password = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "wsdl_url",
            "failover_url",
            "username",
            "has_password",
            "node",
            "timeout_seconds",
            "interval_minutes",
            "page_size",
            "enabled",
            "applied_message",
            "confirmed_message",
            "full_requested",
            "primary_skipped_until",
            "failovers",
            "failing_since",
            "updated_at",
        ]
        read_only_fields = fields  # an output: no input bounds (they vary with the database)

    def get_has_password(self, connection: Connection) -> bool:
        return bool(connection.password_sealed)


class ExchangeRequestInput(StrictInput):
    full = serializers.BooleanField(
        required=False, default=False, help_text="Ask 1C for everything again (a full resync)."
    )


class ConnectionTestOutput(serializers.Serializer):
    results = serializers.DictField(
        child=serializers.CharField(), help_text="Per URL: 'ok: <who answered>' or what failed."
    )


class OurWords(serializers.CharField):
    """A stored failure: Oqim's own sentences (marked with gettext_noop where written) come in the
    reader's language; what 1C or the network said stays as it was said."""

    def to_representation(self, value: str) -> str:
        return problems.read(value)


class ExchangeOutput(serializers.ModelSerializer):
    error = OurWords(read_only=True)

    class Meta:
        model = Exchange
        fields = [
            "id",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "url_used",
            "failovers",
            "first_message",
            "last_message",
            "messages",
            "counts",
            "deferred",
            "error",
            "error_record",
        ]
        read_only_fields = fields


class DocumentOutput(serializers.ModelSerializer):
    last_error = OurWords(read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "ident",
            "object_id",
            "status",
            "attempts",
            "last_error",
            "number",
            "onec_status",
            "url_used",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields
