"""Every new organization gets the default expense categories."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from core.models import Organization
from domains.shops.services import ensure_default_categories


@receiver(post_save, sender=Organization)
def seed_expense_categories(sender: type, instance: Organization, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        ensure_default_categories(instance)
