# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""The demo's webhook endpoint for `make run`: an accounting system's receiver for sales,
registered paused (its URL is a placeholder on this machine), so the sales the shops' demo
records next wait in its delivery log. Point it at a real receiver and set it active."""

from __future__ import annotations

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from domains.webhooks import services
from domains.webhooks.models import Endpoint, EndpointState

DEMO_URL = "http://127.0.0.1:9/oqim-demo-accounting"  # the discard port: nothing listens


def seed(tenant: Organization) -> None:
    if Endpoint.objects.filter(tenant=tenant).exists():
        return
    admin = User.objects.get(username=demo_username(Role.ADMIN))
    endpoint, _secret = services.endpoint_create(
        tenant=tenant,
        actor=admin,
        url=DEMO_URL,
        description="Buxgalteriya (namuna): manzilni oʻz qabul qiluvchingizga oʻzgartiring va faollashtiring",
        event_types=["sale.recorded", "sale.returned"],
    )
    services.endpoint_update(endpoint=endpoint, state=EndpointState.PAUSED)
