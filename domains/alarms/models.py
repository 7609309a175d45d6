"""Alarms: something a manager should look at, raised once and acknowledged by a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import TenantOwned


class Alarm(TenantOwned):
    kind = models.CharField(max_length=40)  # a declared kind's name (domains.alarms.kinds)
    # What it is about, unique per kind: "2026-10" for a month's variance. Raising it again
    # updates the same alarm instead of raising a second one.
    subject = models.CharField(max_length=100)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict)
    # The payload of its ``alarm.<kind>`` event: what its sentence is told from, in each reader's language.
    facts = models.JSONField(default=dict)
    raised_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledge_note = models.CharField(max_length=500, blank=True, default="")
    # Set when what it is about is over (the 1C exchange works again); acknowledging is separate.
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "subject"], name="alarms_one_per_subject")]
        indexes = [models.Index(fields=["tenant", "-id"])]
