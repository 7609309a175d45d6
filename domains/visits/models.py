"""Visits of agents to clients, with GPS-verified check-in and check-out, checklist results and
photos.

``state`` is the fixed lifecycle the server enforces (planned → in_progress → completed, or
cancelled); ``status`` is the tenant's own outcome label from its reference dictionary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import SoftDeletable, TenantOwned
from domains.clients.api import Client, Photo, Reference


class StepKind(models.TextChoices):
    CHECK = "check", "Done / not done"
    NUMBER = "number", "A number"
    TEXT = "text", "Free text"


class VisitStep(TenantOwned, SoftDeletable):
    """One item of the tenant's visit checklist."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=StepKind.choices, default=StepKind.CHECK)
    required = models.BooleanField(default=False, help_text="Check-out needs a result for it.")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="visits_step_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class VisitState(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "Checked in"
    COMPLETED = "completed", "Checked out"
    CANCELLED = "cancelled", "Cancelled"


class Verification(models.TextChoices):
    VERIFIED = "verified", "Within the radius"
    OUT_OF_RANGE = "out_of_range", "Outside the radius"
    UNVERIFIABLE = "unverifiable", "No usable fix or client location"


class Visit(TenantOwned):
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visits")
    type = models.ForeignKey(Reference, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    priority = models.ForeignKey(Reference, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.ForeignKey(Reference, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    planned_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=VisitState.choices, default=VisitState.PLANNED)
    note = models.CharField(max_length=1000, blank=True, default="")
    # The check-in: server time, the phone's fix, and how it compares with the client's location.
    checkin_at = models.DateTimeField(null=True, blank=True)
    checkin_lat = models.FloatField(null=True, blank=True)
    checkin_lon = models.FloatField(null=True, blank=True)
    checkin_accuracy = models.FloatField(null=True, blank=True)
    checkin_distance_m = models.FloatField(null=True, blank=True)
    checkin_verification = models.CharField(max_length=16, choices=Verification.choices, blank=True, default="")
    # The check-out: server time, the phone's fix, and how it compares with the client's location.
    checkout_at = models.DateTimeField(null=True, blank=True)
    checkout_lat = models.FloatField(null=True, blank=True)
    checkout_lon = models.FloatField(null=True, blank=True)
    checkout_accuracy = models.FloatField(null=True, blank=True)
    checkout_distance_m = models.FloatField(null=True, blank=True)
    checkout_verification = models.CharField(max_length=16, choices=Verification.choices, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One open visit per agent: the database settles two racing check-ins.
            models.UniqueConstraint(
                fields=["tenant", "agent"], condition=Q(state="in_progress"), name="visits_one_open_per_agent"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "agent", "-planned_at"], name="visits_visit_agent"),
            models.Index(fields=["tenant", "-planned_at"], name="visits_visit_planned"),
            models.Index(fields=["client", "-planned_at"], name="visits_visit_client"),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk}: {self.state}"


class VisitResult(TenantOwned):
    """An agent's answer to one checklist step during one visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="results")
    step = models.ForeignKey(VisitStep, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(help_text="true/false, a number or text, as the step's kind says.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "step"], name="visits_result_unique")]


class VisitPhoto(Photo):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    step = models.ForeignKey(VisitStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["visit", "-id"], name="visits_photo_visit")]
