"""The operator's views of the realtime layer."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from domains.members import services
from tests.factories import bearer, member_factory


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_and_guarded_with_one(
    api, settings, tenant, django_capture_on_commit_callbacks
):
    assert api.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret"
    assert api.get("/metrics").status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        services.tenant_update(tenant=tenant, name="Counted")
    response = api.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200
    text = response.content.decode()
    assert "oqim_realtime_connections 0" in text
    assert "oqim_outbox_pending 0" in text


@pytest.mark.django_db
def test_status_for_admins_and_the_command_show_stream_lengths(
    api, tenant, admin, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.tenant_update(tenant=tenant, name="Streamed")
    body = api.get("/api/realtime/status/", **bearer(admin)).json()
    assert {"topic": "organization", "length": 1, "subscriptions": 0} in body["topics"]
    viewer = member_factory(tenant=tenant, role="viewer")
    assert api.get("/api/realtime/status/", **bearer(viewer)).status_code == 403
    call_command("realtime_status", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["outbox"]["pending"] == 0
    assert any(s["tenant"] == tenant.pk and s["topic"] == "organization" for s in report["streams"])
