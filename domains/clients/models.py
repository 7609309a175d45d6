"""Clients the field agents visit, their photos, and the per-tenant reference dictionaries.

A reference is one entry of a tenant's dictionary (visit types, visit statuses, priorities,
image statuses and sources): admins edit them, visits and photos point at them. They are
soft-deleted, so an old visit keeps the label it was recorded with.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import SoftDeletable, TenantOwned


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


class ReferenceKind(models.TextChoices):
    VISIT_TYPE = "visit_type", "Visit type"
    VISIT_STATUS = "visit_status", "Visit status"
    PRIORITY = "priority", "Priority"
    IMAGE_STATUS = "image_status", "Image status"
    IMAGE_SOURCE = "image_source", "Image source"


class Reference(TenantOwned, SoftDeletable):
    kind = models.CharField(max_length=20, choices=ReferenceKind.choices)
    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=50, blank=True, default="", help_text="A stable key for integrations.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order within the kind.")
    color = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb, for dashboards.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "name"],
                condition=Q(deleted_at__isnull=True),
                name="clients_reference_unique_live_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class Client(TenantOwned, SoftDeletable):
    """A shop or outlet an agent visits. ``phone_digits`` is the phone without punctuation, so a
    search for 901234567 finds "+998 (90) 123-45-67"."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    phone_digits = models.CharField(max_length=40, blank=True, default="", editable=False)
    address = models.CharField(max_length=300, blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ClientAssignment", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"],
                condition=Q(deleted_at__isnull=True) & ~Q(code=""),
                name="clients_client_unique_live_code",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90) & Q(lat__lte=90) & Q(lon__gte=-180) & Q(lon__lte=180)),
                name="clients_client_location_valid",
            ),
        ]
        indexes = [
            # The list's page: live clients of a tenant, newest first (cursor pagination).
            models.Index(fields=["tenant", "-id"], condition=Q(deleted_at__isnull=True), name="clients_client_page"),
            models.Index(fields=["tenant", "code"], name="clients_client_code"),
            models.Index(fields=["tenant", "phone_digits"], name="clients_client_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.phone_digits = digits(self.phone)
        super().save(*args, **kwargs)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


class ClientAssignment(TenantOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "agent"], name="clients_assignment_unique")]
        indexes = [models.Index(fields=["tenant", "agent", "client"], name="clients_assignment_agent")]


class Photo(TenantOwned, SoftDeletable):
    """An uploaded picture, stored through Django's storage API and served behind auth."""

    file = models.FileField(upload_to="photos/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    status = models.ForeignKey(
        Reference,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "image_status"},
    )
    source = models.ForeignKey(
        Reference,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "image_source"},
    )
    caption = models.CharField(max_length=200, blank=True, default="")
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class ClientPhoto(Photo):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        indexes = [models.Index(fields=["client", "-id"], name="clients_photo_client")]
