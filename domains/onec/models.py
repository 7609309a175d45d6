"""An organization's 1C connection and the journal of its exchanges."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.tenancy import TenantOwned


class Connection(TenantOwned):
    """One per organization. The password is sealed (core.secrets), never logged or returned."""

    wsdl_url = models.URLField(max_length=500)
    failover_url = models.URLField(max_length=500, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    password_sealed = models.TextField(blank=True, default="")
    node = models.CharField(max_length=50, default="oqim", help_text="This node's code in 1C's exchange plan.")
    timeout_seconds = models.PositiveSmallIntegerField(default=30)
    interval_minutes = models.PositiveSmallIntegerField(default=15, help_text="How often the scheduled exchange runs.")
    page_size = models.PositiveIntegerField(default=1000, help_text="Rows per message 1C hands over.")
    enabled = models.BooleanField(default=True)
    # The last message applied here (committed with its changes), and the last one 1C confirmed.
    applied_message = models.BigIntegerField(default=0)
    confirmed_message = models.BigIntegerField(default=0)
    full_requested = models.BooleanField(default=False, help_text="The next exchange asks 1C for everything.")
    primary_skipped_until = models.DateTimeField(null=True, blank=True)
    failovers = models.PositiveIntegerField(default=0, help_text="Calls that fell over to the failover URL.")
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="onec_one_connection_per_tenant")]


class ExchangeStatus(models.TextChoices):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Exchange(TenantOwned):
    """One run: what it fetched and applied, which URL answered, how it ended."""

    trigger = models.CharField(max_length=20)  # schedule, manual, full
    status = models.CharField(max_length=20, choices=ExchangeStatus.choices, default=ExchangeStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    url_used = models.CharField(max_length=500, blank=True, default="")
    failovers = models.PositiveIntegerField(default=0)
    first_message = models.BigIntegerField(null=True, blank=True)
    last_message = models.BigIntegerField(null=True, blank=True)
    messages = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # rows created or changed, per kind
    deferred = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    error_record = models.JSONField(null=True, blank=True, help_text="The row that failed the message, if one did.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Never two at once per organization.
            models.UniqueConstraint(fields=["tenant"], condition=Q(status="running"), name="onec_one_running_exchange")
        ]


class DocumentStatus(models.TextChoices):
    PENDING = "pending"  # not accepted by 1C yet: retried with backoff
    SENT = "sent"
    FAILED = "failed"  # refused by 1C, or given up on after the last retry


class Document(TenantOwned):
    """The journal of what Oqim sends to 1C (agents' orders, finished visits): one row per
    document, whatever the number of attempts; 1C deduplicates by ``ident``."""

    kind = models.CharField(max_length=20)  # customer_order, visit
    ident = models.CharField(max_length=64, help_text="Oqim's id of the document, which 1C deduplicates by.")
    object_id = models.PositiveBigIntegerField(help_text="The order's or visit's id in Oqim.")
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    number = models.CharField(max_length=50, blank=True, default="", help_text="1C's document number.")
    onec_status = models.CharField(max_length=50, blank=True, default="")
    url_used = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "ident"], name="onec_document_once")]
        indexes = [models.Index(fields=["tenant", "status", "-id"], name="onec_document_status")]
