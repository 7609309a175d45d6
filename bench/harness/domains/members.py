"""The organization's own changes for the benches: a rename is one row, its outbox event in the
same transaction and the publish after commit (the realtime bench's event)."""

from __future__ import annotations

from core.models import Organization
from domains.members import services


def rename(tenant: Organization, name: str) -> None:
    services.tenant_update(tenant=tenant, name=name)
