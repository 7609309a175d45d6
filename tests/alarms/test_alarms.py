"""Alarms through their door (``domains.alarms.api``) and over REST: raised once per subject,
seen and acknowledged by the roles that may, never across organizations."""

from __future__ import annotations

from core.roles import Role
from domains.alarms.api import raise_alarm
from domains.orders.alarms import PROVIDER_ERRORS
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, tenant_factory


def provider_alarm(tenant_id: int, subject: str = "provider-1-20261201T000000", errors: int = 5):  # type: ignore[no-untyped-def]
    return raise_alarm(
        tenant_id=tenant_id,
        kind=PROVIDER_ERRORS,
        subject=subject,
        details={"consecutive_errors": errors},
        event={
            "provider_id": 1,
            "provider_name": "Demo provider",
            "consecutive_errors": errors,
            "failing_since": "2026-12-01T00:00:00Z",
            "last_error": "timeout",
        },
    )


def test_an_alarm_is_raised_once_per_subject_and_refreshed_after(tenant):
    first, created = provider_alarm(tenant.pk)
    again, created_again = provider_alarm(tenant.pk, errors=10)
    assert created and not created_again and again.pk == first.pk
    assert again.details == {"consecutive_errors": 10} and "failed 10 calls in a row" in again.message
    assert OutboxEvent.objects.filter(tenant=tenant, type="alarm.provider_errors").count() == 1
    other, created_other = provider_alarm(tenant.pk, subject="provider-1-20261202T000000")
    assert created_other and other.pk != first.pk


def test_managers_see_and_acknowledge_alarms_cooks_do_not(api, tenant, admin):
    alarm, _ = provider_alarm(tenant.pk)
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    cook = member_factory(tenant=tenant, role=Role.COOK)
    assert api.get("/api/alarms/", **bearer(cook)).status_code == 403
    listed = api.get("/api/alarms/?kind=provider_errors&acknowledged=false", **bearer(manager)).json()["results"]
    assert [row["id"] for row in listed] == [alarm.pk]
    url = f"/api/alarms/{alarm.pk}/acknowledge/"
    assert api.post(url, {"note": "x"}, format="json", **bearer(cook)).status_code == 403
    done = api.post(url, {"note": "provider called"}, format="json", **bearer(manager))
    assert done.status_code == 200 and done.json()["acknowledged_by"] == manager.user_id
    event = OutboxEvent.objects.get(tenant=tenant, type="alarm.acknowledged")
    assert event.data["alarm_id"] == alarm.pk and event.data["note"] == "provider called"
    again = api.post(url, {}, format="json", **bearer(manager))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_acknowledged"


def test_another_organizations_alarm_does_not_exist_for_you(api, tenant, admin):
    elsewhere = tenant_factory()
    alarm, _ = provider_alarm(elsewhere.pk)
    assert api.get("/api/alarms/", **bearer(admin)).json()["results"] == []
    assert api.get(f"/api/alarms/{alarm.pk}/", **bearer(admin)).status_code == 404
    answer = api.post(f"/api/alarms/{alarm.pk}/acknowledge/", {}, format="json", **bearer(admin))
    assert answer.status_code == 404
