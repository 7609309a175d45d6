"""Wire formats of providers, the catalog, orders and their timeline. Secrets are write-only:
a provider's token and webhook secret are never read back, and an order's PIN appears only for
its customer and for staff with ``orders.view_pins`` (``context["pin_visible"]``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import HeaderValueField, StrictInput, TenantPrimaryKeyField
from domains.orders.models import DigitalProduct, Order, OrderAttempt, Package, Provider, ProviderKind
from domains.orders.providers.simulated import DEFAULTS

SECONDS = {"min_value": 1, "max_value": 7 * 24 * 3600}


class SimulationInput(StrictInput):
    delay_seconds = serializers.FloatField(min_value=0, max_value=7 * 24 * 3600, required=False)
    failure_rate = serializers.FloatField(min_value=0, max_value=1, required=False)
    error_rate = serializers.FloatField(min_value=0, max_value=1, required=False)
    timeout_rate = serializers.FloatField(min_value=0, max_value=1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        merged = {**DEFAULTS, **attrs}
        if merged["error_rate"] + merged["timeout_rate"] > 1:
            raise serializers.ValidationError(
                {"error_rate": [gettext("error_rate + timeout_rate is at most 1.")]}, code="out_of_range"
            )
        return attrs


class ProviderInput(StrictInput):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    base_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    failover_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    auth_header = serializers.RegexField(r"^[A-Za-z0-9-]*\Z", required=False, allow_blank=True, max_length=100)
    auth_token = HeaderValueField(
        required=False, allow_blank=True, max_length=1000, help_text="Write-only; sealed at rest."
    )
    webhook_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        min_length=16,
        max_length=200,
        write_only=True,
        help_text="Write-only, 16+ characters; enables the signed webhook. Blank disables it.",
    )
    timeout_seconds = serializers.IntegerField(min_value=1, max_value=60, required=False)
    first_check_seconds = serializers.IntegerField(**SECONDS, required=False)
    backoff_base_seconds = serializers.IntegerField(**SECONDS, required=False)
    backoff_cap_seconds = serializers.IntegerField(**SECONDS, required=False)
    dispatch_retry_seconds = serializers.IntegerField(**SECONDS, required=False)
    deadline_seconds = serializers.IntegerField(min_value=60, max_value=30 * 24 * 3600, required=False)
    error_alarm_threshold = serializers.IntegerField(
        min_value=0, max_value=10_000, required=False, help_text="0 turns the alarm off."
    )
    simulation = SimulationInput(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = self.instance
        names = ("kind", "base_url", "backoff_base_seconds", "backoff_cap_seconds")
        merged = {name: getattr(current, name) for name in names} if current else {}
        merged.update(attrs)
        if merged.get("kind") == ProviderKind.HTTP and not merged.get("base_url"):
            raise serializers.ValidationError(
                {"base_url": [gettext("An HTTP provider needs its base URL.")]}, code="required"
            )
        base, cap = merged.get("backoff_base_seconds", 30), merged.get("backoff_cap_seconds", 600)
        if cap < base:
            raise serializers.ValidationError(
                {"backoff_cap_seconds": [gettext("Must be at least backoff_base_seconds.")]}, code="out_of_range"
            )
        return attrs


class ProviderOutput(serializers.ModelSerializer):
    auth_token_set = serializers.SerializerMethodField()
    webhook_enabled = serializers.SerializerMethodField()
    webhook_path = serializers.SerializerMethodField()
    timeout_seconds = serializers.IntegerField()
    first_check_seconds = serializers.IntegerField()
    backoff_base_seconds = serializers.IntegerField()
    backoff_cap_seconds = serializers.IntegerField()
    dispatch_retry_seconds = serializers.IntegerField()
    deadline_seconds = serializers.IntegerField()
    error_alarm_threshold = serializers.IntegerField()
    consecutive_errors = serializers.IntegerField(help_text="Errors in a row across its orders; 0 when healthy.")
    failovers = serializers.IntegerField(help_text="Calls that switched from one URL to the other.")
    simulation = serializers.DictField(child=serializers.FloatField())

    class Meta:
        model = Provider
        fields = [
            "id",
            "public_id",
            "name",
            "kind",
            "base_url",
            "failover_url",
            "auth_header",
            "auth_token_set",
            "webhook_enabled",
            "webhook_path",
            "timeout_seconds",
            "first_check_seconds",
            "backoff_base_seconds",
            "backoff_cap_seconds",
            "dispatch_retry_seconds",
            "deadline_seconds",
            "error_alarm_threshold",
            "simulation",
            "consecutive_errors",
            "failing_since",
            "failovers",
            "created_at",
            "updated_at",
        ]

    def get_auth_token_set(self, provider: Provider) -> bool:
        return bool(provider.auth_token_sealed)

    def get_webhook_enabled(self, provider: Provider) -> bool:
        return bool(provider.webhook_secret_sealed)

    def get_webhook_path(self, provider: Provider) -> str:
        return f"/api/orders/webhooks/{provider.public_id}/"


class PackageInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=DigitalProduct.objects.all())
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=100)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), coerce_to_string=True)
    currency = serializers.RegexField(r"^[A-Z]{3}\Z", help_text="ISO 4217, e.g. USD.")


class PackageUpdateInput(PackageInput):
    product = serializers.IntegerField(read_only=True)


class PackageOutput(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = ["id", "product", "name", "code", "price", "currency", "created_at", "updated_at"]


class DigitalProductInput(StrictInput):
    name = serializers.CharField(max_length=200)
    provider = TenantPrimaryKeyField(queryset=Provider.objects.all())
    code = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DigitalProductOutput(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    packages = PackageOutput(many=True, read_only=True, source="live_packages")

    class Meta:
        model = DigitalProduct
        fields = ["id", "name", "provider", "provider_name", "code", "description", "packages", "created_at"]


class OrderInput(StrictInput):
    package = TenantPrimaryKeyField(queryset=Package.objects.filter(product__deleted_at__isnull=True))
    account = serializers.CharField(max_length=100, help_text="The account to top up on the provider's side.")
    extra = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    customer = serializers.IntegerField(
        required=False, help_text="Staff placing an order for a customer: the customer's user id."
    )


class OrderOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    package_name = serializers.CharField(source="package.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    version = serializers.IntegerField()
    dispatch_attempts = serializers.IntegerField()
    checks = serializers.IntegerField()
    pin = serializers.SerializerMethodField(help_text="Only for the order's customer and orders.view_pins.")

    class Meta:
        model = Order
        fields = [
            "id",
            "public_id",
            "customer",
            "placed_by",
            "provider",
            "provider_name",
            "product",
            "product_name",
            "package",
            "package_name",
            "price",
            "currency",
            "account",
            "extra",
            "status",
            "version",
            "failure_reason",
            "failure_message",
            "provider_reference",
            "pin",
            "created_at",
            "dispatched_at",
            "completed_at",
            "finished_at",
            "last_checked_at",
            "next_action_at",
            "deadline_at",
            "dispatch_attempts",
            "checks",
        ]

    def get_pin(self, order: Order) -> str | None:
        visible = self.context.get("pin_visible")
        return order.pin() if visible is not None and visible(order) else None


class AttemptOutput(serializers.ModelSerializer):
    latency_ms = serializers.IntegerField(allow_null=True)
    http_status = serializers.IntegerField(allow_null=True)

    class Meta:
        model = OrderAttempt
        fields = [
            "id",
            "kind",
            "at",
            "latency_ms",
            "endpoint",
            "outcome",
            "http_status",
            "message",
            "status_before",
            "status_after",
            "actor",
        ]


class WebhookInput(serializers.Serializer):
    """What a provider posts; ``client_order_id`` or ``reference`` names the order."""

    client_order_id = serializers.CharField(required=False)
    reference = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=["accepted", "processing", "completed", "failed"])
    pin = serializers.CharField(required=False, help_text="Required when status is completed.")
    reason = serializers.CharField(required=False)


class WebhookAnswer(serializers.Serializer):
    order_id = serializers.IntegerField(allow_null=True)
    duplicate = serializers.BooleanField(help_text="True for a replay of a notification already applied.")
