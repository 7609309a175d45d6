"""Users, organizations (tenants) and memberships."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from core.roles import Role
from core.tenancy import SoftDeletable


class User(AbstractUser):
    """A person. What they may do depends on their membership in the tenant they act in."""

    class Meta:
        db_table = "core_user"

    @property
    def display_name(self) -> str:
        """As others know them: their full name, else their login."""
        return self.get_full_name() or self.username


class Organization(models.Model):
    """A tenant: owns every domain row."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(SoftDeletable):
    """A user's single role in one tenant. Deactivating marks it deleted; history stays."""

    tenant = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # The member's code in the organization's 1C (agents): how 1C's rows name them.
    onec_code = models.CharField(max_length=50, blank=True, default="", db_default="")
    # The language they chose for the API's answers and their messages; "" until they choose
    # (then the console's cookie or the request's Accept-Language decide).
    language = models.CharField(max_length=2, choices=settings.LANGUAGES, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user"], condition=Q(deleted_at__isnull=True), name="one_live_membership_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["tenant", "onec_code"],
                condition=Q(deleted_at__isnull=True) & ~Q(onec_code=""),
                name="one_live_membership_per_onec_code",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"]),
            # The members list pages by id within a tenant: an index range, whatever the statistics.
            models.Index(fields=["tenant", "-id"], condition=Q(deleted_at__isnull=True), name="membership_live_page"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role}"
