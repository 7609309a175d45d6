"""Multi-tenancy in one place.

Every domain row inherits ``TenantOwned``. Every tenant-facing viewset inherits
``core.viewsets.TenantScopedViewSet`` whose ``get_queryset`` filters by the caller's tenant *after* the
subclass built its queryset, so a view cannot forget the filter and another tenant's row is a
plain 404. Services and selectors take ``tenant`` explicitly (workers have no request).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext


class TenantOwned(models.Model):
    tenant = models.ForeignKey("core.Organization", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> QuerySet:
        return self.filter(deleted_at__isnull=True)

    def dead(self) -> QuerySet:
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):  # type: ignore[misc]  # django-stubs cannot follow from_queryset here
    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    """Rows whose loss would hurt are marked deleted, not removed (seed 003).

    ``objects`` hides deleted rows; ``all_objects`` sees them (admin, restore, audits).
    """

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = AliveManager()
    all_objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def mark_deleted(self) -> None:
        self.deleted_at = timezone.now()


def require_unique_name(model: type[models.Model], *, tenant_id: int, name: str, exclude: int | None = None) -> None:
    """Names of live rows are unique per tenant, case-insensitively: a 400 on ``name``, not a
    database error (the unique constraint is the backstop)."""
    from rest_framework.exceptions import ValidationError

    clash = model._default_manager.filter(tenant_id=tenant_id, name__iexact=name)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": [gettext("This name is taken.")]}, code="unique")


Named = TypeVar("Named", bound=models.Model)


def create_named(model: type[Named], *, tenant: models.Model, **values: Any) -> Named:
    """A new row of ``model`` for ``tenant``, its ``name`` checked by ``require_unique_name``."""
    require_unique_name(model, tenant_id=tenant.pk, name=str(values["name"]))
    return model._default_manager.create(tenant=tenant, **values)


def update_named(row: Named, **values: Any) -> Named:
    """Set ``values`` on ``row`` and save it; a new ``name`` is checked first."""
    if "name" in values:
        tenant_id = row.tenant_id  # type: ignore[attr-defined]  # a TenantOwned row
        require_unique_name(type(row), tenant_id=tenant_id, name=str(values["name"]), exclude=row.pk)
    for field, value in values.items():
        setattr(row, field, value)
    row.save()
    return row
