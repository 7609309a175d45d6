"""The operator's views of the realtime layer."""

from __future__ import annotations

import json
import time

import pytest
from django.core.management import call_command

from domains.members import services
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory


def published() -> bool:
    """The outbox rows are marked a moment after their publish (realtime.publisher._Marks)."""
    deadline = time.monotonic() + 5
    while OutboxEvent.objects.filter(published_at__isnull=True).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# Committed for real: the rows are marked published by another thread, on its own connection.
@pytest.mark.django_db(transaction=True)
def test_metrics_are_off_without_a_token_and_guarded_with_one(api, settings, tenant):
    assert api.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret"
    assert api.get("/metrics").status_code == 401
    services.tenant_update(tenant=tenant, name="Counted")
    assert published()
    response = api.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200
    text = response.content.decode()
    assert "oqim_realtime_connections 0" in text
    assert "oqim_outbox_pending 0" in text


@pytest.mark.django_db(transaction=True)
def test_status_for_admins_and_the_command_show_stream_lengths(api, tenant, admin, capsys):
    services.tenant_update(tenant=tenant, name="Streamed")
    assert published()
    body = api.get("/api/realtime/status/", **bearer(admin)).json()
    assert {"topic": "organization", "length": 1, "subscriptions": 0} in body["topics"]
    viewer = member_factory(tenant=tenant, role="viewer")
    assert api.get("/api/realtime/status/", **bearer(viewer)).status_code == 403
    call_command("realtime_status", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["outbox"]["pending"] == 0
    assert any(s["tenant"] == tenant.pk and s["topic"] == "organization" for s in report["streams"])
