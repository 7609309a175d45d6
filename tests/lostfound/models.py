"""Things found on the premises, logged by whoever found them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import TenantOwned


class Item(TenantOwned):
    description = models.CharField(max_length=200)
    valuable = models.BooleanField(default=False)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.description
