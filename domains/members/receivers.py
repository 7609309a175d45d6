"""The organization's audit of what core's sign-in decides (core never imports a domain)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.auth import refresh_token_reused
from domains.members import services


@receiver(refresh_token_reused)
def audit_reused_refresh_token(sender: Any, *, user_id: Any, tenant_id: Any, **kwargs: Any) -> None:
    if tenant_id is not None:
        services.session_revoked(user_id=int(user_id), tenant_id=int(tenant_id))
