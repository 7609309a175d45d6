"""Digital orders (game top-ups, gift cards) fulfilled by an external provider.

An order moves created -> dispatched -> processing -> completed | failed | cancelled. Work on it
(dispatch, status checks) is due at ``next_action_at`` and done under a short lease
(``lease_until``), so duplicate or redelivered messages, several workers and the sweep never act
on one order twice at the same time. Every dispatch, check, webhook and operator action is an
``OrderAttempt``: the order's timeline.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.secrets import unseal
from core.tenancy import SoftDeletable, TenantOwned


class ProviderKind(models.TextChoices):
    SIMULATED = "simulated", "Built-in simulated provider"
    HTTP = "http", "HTTP JSON provider"


class Provider(TenantOwned, SoftDeletable):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # in the webhook URL
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    base_url = models.URLField(blank=True, default="")
    failover_url = models.URLField(blank=True, default="")
    auth_header = models.CharField(max_length=100, blank=True, default="Authorization")
    auth_token_sealed = models.TextField(blank=True, default="")
    webhook_secret_sealed = models.TextField(blank=True, default="")
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # The polling policy (docs/orders.md): first check after dispatch, then back-off doubling from
    # the base up to the cap, until the deadline counted from the order's creation.
    first_check_seconds = models.PositiveIntegerField(default=60)
    backoff_base_seconds = models.PositiveIntegerField(default=30)
    backoff_cap_seconds = models.PositiveIntegerField(default=600)
    dispatch_retry_seconds = models.PositiveIntegerField(default=5)
    deadline_seconds = models.PositiveIntegerField(default=24 * 3600)
    error_alarm_threshold = models.PositiveIntegerField(default=20)
    # Simulated provider only: {"delay_seconds", "failure_rate", "error_rate", "timeout_rate"}.
    simulation = models.JSONField(default=dict, blank=True)
    # Health: consecutive transport errors and 5xx across all its orders, and primary->failover
    # switches. Updated with F() expressions from many workers.
    consecutive_errors = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    failovers = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="orders_provider_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DigitalProduct(TenantOwned, SoftDeletable):
    name = models.CharField(max_length=200)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="products")
    code = models.CharField(max_length=100)  # the provider's product code
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="orders_product_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Package(TenantOwned, SoftDeletable):
    product = models.ForeignKey(DigitalProduct, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=100)  # the provider's package (SKU) code
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="orders_package_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.name}"


class OrderStatus(models.TextChoices):
    CREATED = "created", "created"
    DISPATCHED = "dispatched", "dispatched"
    PROCESSING = "processing", "processing"
    COMPLETED = "completed", "completed"
    FAILED = "failed", "failed"
    CANCELLED = "cancelled", "cancelled"


ACTIVE = (OrderStatus.CREATED, OrderStatus.DISPATCHED, OrderStatus.PROCESSING)
TERMINAL = (OrderStatus.COMPLETED, OrderStatus.FAILED, OrderStatus.CANCELLED)


class FailureReason(models.TextChoices):
    REJECTED = "rejected", "the provider refused the order"
    PROVIDER_FAILED = "provider_failed", "the provider reported failure"
    TIMEOUT = "timeout", "not completed before the deadline"


class Order(TenantOwned):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey(DigitalProduct, on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    account = models.CharField(max_length=100)  # the target account on the provider's side
    extra = models.CharField(max_length=200, blank=True, default="")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    fingerprint = models.CharField(max_length=64)  # what the key was first used for

    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    version = models.PositiveIntegerField(default=1)  # grows with every status change
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    provider_reference = models.CharField(max_length=100, null=True, blank=True)
    pin_sealed = models.TextField(blank=True, default="")  # core.secrets; never logged or listed
    dispatch_round = models.PositiveSmallIntegerField(default=0)  # a manual re-dispatch starts a new one

    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField()
    next_action_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(default=0)
    checks = models.PositiveIntegerField(default=0)
    consecutive_errors = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer", "idempotency_key"], name="orders_order_unique_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-id"]),
            models.Index(fields=["tenant", "customer", "-id"]),
            models.Index(fields=["provider", "provider_reference"]),
            # The sweep: pending work by due time, across tenants.
            models.Index(fields=["next_action_at"], condition=Q(status__in=ACTIVE), name="orders_order_due"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"

    @property
    def provider_key(self) -> str:
        """What the provider knows this order by, and its idempotency key: one per dispatch round."""
        return str(self.public_id) if not self.dispatch_round else f"{self.public_id}.{self.dispatch_round}"

    def pin(self) -> str | None:
        """The PIN in clear, for the customer and PIN viewers only (the serializer decides)."""
        return unseal(self.pin_sealed) if self.pin_sealed else None


class AttemptKind(models.TextChoices):
    DISPATCH = "dispatch", "dispatch"
    CHECK = "check", "status check"
    WEBHOOK = "webhook", "provider webhook"
    RETRY = "retry", "manual retry"
    CANCEL = "cancel", "manual cancel"
    TIMEOUT = "timeout", "deadline passed"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", "accepted"
    PROCESSING = "processing", "still processing"
    COMPLETED = "completed", "completed"
    FAILED = "failed", "failed"
    REJECTED = "rejected", "rejected"
    ERROR = "error", "provider error"
    IGNORED = "ignored", "ignored (order already settled)"
    DONE = "done", "done"


class OrderAttempt(TenantOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(max_length=20, choices=AttemptKind.choices)
    at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    endpoint = models.CharField(max_length=20, blank=True, default="")  # primary | failover
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True, default="")  # never a PIN
    status_before = models.CharField(max_length=20, choices=OrderStatus.choices)
    status_after = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["order", "id"])]


class WebhookReceipt(models.Model):
    """A signed webhook already applied: the same signature twice is a replay."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"webhook {self.digest[:12]}"
