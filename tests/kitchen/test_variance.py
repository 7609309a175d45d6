"""The monthly variance report: the formula of docs/kitchen.md on real ledger rows, one alarm per
month, acknowledged by a manager, built by a Dramatiq actor on demand and on schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from core.roles import Role
from domains.alarms.models import Alarm
from domains.kitchen import services, tasks
from domains.kitchen.models import VarianceReport
from domains.stock import services as stock
from domains.stock.models import Movement
from realtime.models import OutboxEvent
from tests.factories import bearer, meal_factory, member_factory, product_factory, stock_up, tenant_factory

pytestmark = pytest.mark.django_db


def post(api, url, body, who):  # type: ignore[no-untyped-def]
    return api.post(url, body, format="json", **bearer(who))


def month_with_rice_unaccounted(tenant, actor):  # type: ignore[no-untyped-def]
    """docs/kitchen.md's worked example: opening 10 kg, 50 kg delivered, 400 plov at 96 g,
    a month-end count finds 12 kg where the ledger says 21.6 kg."""
    rice = product_factory(tenant=tenant, name="Rice")
    stock_up(rice, 10000, actor=actor)
    Movement.objects.update(created_at=F("created_at") - timedelta(days=40))  # the opening, last month
    plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 96})
    stock_up(rice, 50000, actor=actor)
    for _ in range(4):
        services.serve(meal=plov, portions=100, actor=actor)
    stock.adjust(product=rice, reason="count", counted=Decimal(12000), actor=actor)
    return rice, plov


def after_month_end(tenant) -> datetime:  # type: ignore[no-untyped-def]
    return services.month_bounds(tenant, date.today())[1] + timedelta(hours=1)


def test_the_worked_example_gives_20_percent_and_raises_one_alarm(tenant, admin):
    rice, plov = month_with_rice_unaccounted(tenant, admin.user)
    # when
    report = services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    # then
    (ingredient,) = report.ingredients
    assert {k: ingredient[k] for k in ("opening", "delivered", "closing", "outflow", "used_by_servings")} == {
        "opening": "10000.000",
        "delivered": "50000.000",
        "closing": "12000.000",
        "outflow": "48000.000",
        "used_by_servings": "38400.000",
    }
    assert (ingredient["unaccounted"], ingredient["unaccounted_pct"]) == ("9600.000", "20.00")
    assert ingredient["movements"] == {
        "adjustment:count": "-9600.000",
        "delivery": "50000.000",
        "serving": "-38400.000",
    }
    assert report.meals == [
        {
            "meal_id": plov.pk,
            "name": "Plov",
            "served": 400,
            "possible": 500,
            "difference_pct": "20.00",
            "limiting_product_id": rice.pk,
        }
    ]
    assert (report.served, report.possible, report.difference_pct, report.complete) == (
        400,
        500,
        Decimal("20.00"),
        True,
    )
    alarm = Alarm.objects.get()
    assert report.alarm == alarm and alarm.subject == date.today().strftime("%Y-%m")
    # rebuilding (the actor may run twice) raises nothing new
    services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    assert Alarm.objects.count() == 1 and VarianceReport.objects.count() == 1
    assert OutboxEvent.objects.filter(type="alarm.variance").count() == 1


def test_a_month_where_outflow_matches_servings_raises_nothing(tenant, admin):
    rice = product_factory(tenant=tenant)
    stock_up(rice, 5000, actor=admin.user)
    plov = meal_factory(tenant=tenant, recipe={rice: 100})
    services.serve(meal=plov, portions=30, actor=admin.user)
    report = services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    assert (report.served, report.possible, report.difference_pct, report.alarm) == (30, 30, 0, None)


def test_a_running_month_reports_month_to_date_without_alarm(tenant, admin):
    month_with_rice_unaccounted(tenant, admin.user)
    report = services.build_variance_report(tenant=tenant, month=date.today())
    assert report.complete is False and report.difference_pct == Decimal("20.00")
    assert not Alarm.objects.exists()


def test_the_threshold_is_the_tenants_and_validated(api, tenant, admin):
    month_with_rice_unaccounted(tenant, admin.user)
    for bad in ("0", "101", "abc"):
        answer = api.patch("/api/kitchen/settings/", {"variance_threshold_pct": bad}, format="json", **bearer(admin))
        assert answer.status_code == 400 and "variance_threshold_pct" in answer.json()["error"]["fields"]
    answer = api.patch("/api/kitchen/settings/", {"variance_threshold_pct": "25"}, format="json", **bearer(admin))
    assert answer.status_code == 200 and answer.json()["variance_threshold_pct"] == "25.00"
    report = services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    assert report.threshold_pct == 25 and report.alarm is None


def test_a_manager_acknowledges_the_alarm_a_cook_cannot(api, tenant, admin):
    month_with_rice_unaccounted(tenant, admin.user)
    services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    cook = member_factory(tenant=tenant, role=Role.COOK)
    alarm = api.get("/api/alarms/?acknowledged=false", **bearer(manager)).json()["results"][0]
    assert alarm["kind"] == "variance" and "20.00%" in alarm["message"]
    url = f"/api/alarms/{alarm['id']}/acknowledge/"
    assert post(api, url, {"note": "x"}, cook).status_code == 403
    done = post(api, url, {"note": "rice spilt, documented"}, manager)
    assert done.status_code == 200 and done.json()["acknowledged_by"] == manager.user_id
    assert post(api, url, {}, manager).json()["error"]["code"] == "already_acknowledged"
    assert api.get("/api/alarms/?acknowledged=false", **bearer(manager)).json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_on_demand_the_actor_builds_the_report(api, worker):
    tenant = tenant_factory()
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    month_with_rice_unaccounted(tenant, manager.user)
    answer = post(api, "/api/kitchen/reports/", {"month": date.today().strftime("%Y-%m")}, manager)
    assert answer.status_code == 202
    from workers.broker import broker

    broker.join(tasks.build_variance_report.queue_name, timeout=20_000)
    worker.join()
    reports = api.get("/api/kitchen/reports/", **bearer(manager)).json()["results"]
    assert [(r["served"], r["possible"], r["complete"]) for r in reports] == [(400, 500, False)]
    for bad in ("2026-13", "26-01", "next"):
        answer = post(api, "/api/kitchen/reports/", {"month": bad}, manager)
        assert answer.status_code == 400 and "month" in answer.json()["error"]["fields"]
    future = (date.today() + timedelta(days=62)).strftime("%Y-%m")
    assert post(api, "/api/kitchen/reports/", {"month": future}, manager).status_code == 400


def test_the_schedule_builds_the_month_just_finished_in_each_tenants_time_zone(tenant, admin, monkeypatch):
    tokyo = tenant_factory()
    tokyo.timezone = "Asia/Tokyo"
    tokyo.save()
    new_york = tenant_factory()
    new_york.timezone = "America/New_York"
    new_york.save()
    # 2026-12-01 02:00 UTC: 11:00 on the 1st in Tokyo, still 30 November in New York
    instant = datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)
    due = {t.pk: month for t, month in tasks.months_due([tokyo, new_york])}
    assert due == {tokyo.pk: date(2026, 11, 1), new_york.pk: date(2026, 10, 1)}
    VarianceReport.objects.create(
        tenant=tokyo,
        month=date(2026, 11, 1),
        period_start=instant,
        period_end=instant,
        complete=True,
        served=0,
        possible=0,
        difference_pct=0,
        threshold_pct=15,
        meals=[],
        ingredients=[],
        built_at=instant,
    )
    assert tokyo.pk not in {t.pk for t, _ in tasks.months_due([tokyo])}


def test_possible_portions_are_computed_exactly_not_in_rounded_decimals(tenant, admin):
    rice = product_factory(tenant=tenant)
    stock_up(rice, 1000, actor=admin.user)
    plov = meal_factory(tenant=tenant, recipe={rice: 100})
    services.serve(meal=plov, portions=6, actor=admin.user)
    stock.adjust(product=rice, reason="waste", quantity=Decimal(-200), actor=admin.user)
    # outflow 800 / used 600 = 4/3: 6 portions could have been 8 (not 7.99... floored to 7)
    report = services.build_variance_report(tenant=tenant, month=date.today(), now=after_month_end(tenant))
    assert (report.served, report.possible, report.difference_pct) == (6, 8, Decimal("25.00"))
