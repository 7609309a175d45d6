"""The base of every tenant-facing viewset: where tenant scoping is enforced (see core.tenancy)."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from core.auth import TenantRequest
from core.filters import BIGINT_MAX


class TenantScopedViewSet(viewsets.GenericViewSet):
    """Base for every tenant-facing viewset. Subclasses implement ``get_tenant_queryset``.

    ``capabilities`` maps each action to the capability it needs, or to a tuple of which any one
    will do (``core.permissions``); an action missing from the map is refused.
    """

    capabilities: dict[str, str | tuple[str, ...]] = {}
    # Every row id in a URL is a positive integer: anything else is no route (404), and a
    # number past the database's integer range is no row, not an overflow.
    lookup_value_regex = r"[0-9]+"

    def get_object(self) -> models.Model:
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is not None and int(value) > BIGINT_MAX:
            raise NotFound()
        return super().get_object()

    def get_tenant_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        # Schema generation has no tenant; it only needs the model.
        if getattr(self, "swagger_fake_view", False):
            return self.get_tenant_queryset_model()._default_manager.none()
        return self.get_tenant_queryset().filter(tenant=cast(TenantRequest, self.request).tenant)

    def get_tenant_queryset_model(self) -> type[models.Model]:
        serializer: Any = self.get_serializer_class()
        return serializer.Meta.model
