"""Outbound webhooks: the endpoints admins register, one message per event someone subscribed
to, one delivery per endpoint and message, and every attempt at it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import TenantOwned
from workers.delivery import Leased


class EndpointState(models.TextChoices):
    ACTIVE = "active", "delivering"
    PAUSED = "paused", "paused: deliveries wait, in order, until it is active again"
    DISABLED = "disabled", "disabled by the receiver (410 Gone): deliveries wait until it is active again"


class Endpoint(TenantOwned, Leased):
    """A receiver of the organization's events. Its signing secret is sealed (core.secrets). One
    worker at a time delivers its messages, in order: it holds the lease (``workers.delivery``)."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = models.JSONField(default=list)  # names from the AsyncAPI catalogue
    # Whether events' sealed fields (an order's PIN) are delivered opened; otherwise null.
    with_secrets = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=EndpointState.choices, default=EndpointState.ACTIVE)
    state_reason = models.CharField(max_length=300, blank=True, default="")
    secret_sealed = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "state"], name="webhooks_endpoint_state")]

    def __str__(self) -> str:
        return self.url


class Message(TenantOwned):
    """An event as webhooks deliver it, kept apart from the outbox (which is purged sooner).
    Sealed fields stay sealed here."""

    event_id = models.UUIDField(unique=True)
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    occurred_at = models.DateTimeField()
    data = models.JSONField()
    sealed = models.JSONField(default=list)  # keys of data that are sealed

    class Meta:
        indexes = [models.Index(fields=["tenant", "occurred_at"], name="webhooks_message_time")]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "waiting for its turn or its next attempt"
    DELIVERED = "delivered", "the receiver answered 2xx"
    FAILED = "failed", "given up after 24 hours of attempts"


class Delivery(TenantOwned):
    """One message to one endpoint. Deliveries of an endpoint go out in id order: a delivery
    waiting for a retry holds back the ones after it."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["endpoint", "id"], condition=Q(state="pending"), name="webhooks_delivery_queue"),
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhooks_delivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhooks_delivery_log"),
        ]


class Attempt(TenantOwned):
    """One HTTP request of a delivery, as the delivery log shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=40, blank=True, default="")  # timeout, connection, refused_address…
    response = models.CharField(max_length=500, blank=True, default="")  # the answer's first characters

    class Meta:
        indexes = [models.Index(fields=["delivery", "id"], name="webhooks_attempt_delivery")]
