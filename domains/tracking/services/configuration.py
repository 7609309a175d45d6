"""Changing the tenant's field settings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.models import Organization
from domains.tracking import settings_cache
from domains.tracking.models import FieldSettings


def settings_update(*, tenant: Organization, **values: Any) -> FieldSettings:
    with transaction.atomic():
        found = FieldSettings.objects.select_for_update().filter(tenant=tenant).first() or FieldSettings(tenant=tenant)
        for name, value in values.items():
            setattr(found, name, value)
        if found.offline_after_seconds < found.idle_after_seconds:
            raise ValidationError(
                {"offline_after_seconds": [gettext("Must be at least idle_after_seconds.")]}, code="invalid"
            )
        found.save()
    settings_cache.forget(tenant.pk)
    return found
