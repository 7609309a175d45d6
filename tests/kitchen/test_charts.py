"""Chart endpoints: per-day series for a date range, zero-filled, in the organization's days."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.db.models import F

from core.roles import Role
from domains.kitchen import services
from domains.kitchen.models import Serving
from domains.stock.models import Movement
from tests.factories import bearer, meal_factory, member_factory, product_factory, stock_up

pytestmark = pytest.mark.django_db


def test_consumption_deliveries_and_servings_per_day(api, tenant, admin):
    rice = product_factory(tenant=tenant, name="Rice")
    stock_up(rice, 1000, actor=admin.user)
    plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100})
    services.serve(meal=plov, portions=2, actor=admin.user)
    Movement.objects.update(created_at=F("created_at") - timedelta(days=1))  # yesterday
    Serving.objects.update(served_at=F("served_at") - timedelta(days=1))
    services.serve(meal=plov, portions=3, actor=admin.user)
    today = datetime.date.today()
    yesterday = today - timedelta(days=1)
    query = f"?start={(today - timedelta(days=2)).isoformat()}&end={today.isoformat()}"

    consumption = api.get("/api/kitchen/charts/consumption/" + query, **bearer(admin)).json()
    (series,) = consumption["series"]
    assert [(p["date"], p["quantity"]) for p in series["points"]] == [
        ((today - timedelta(days=2)).isoformat(), "0.000"),
        (yesterday.isoformat(), "200.000"),
        (today.isoformat(), "300.000"),
    ]
    deliveries = api.get("/api/stock/charts/deliveries/" + query, **bearer(admin)).json()["series"][0]["points"]
    assert [p["quantity"] for p in deliveries] == ["0.000", "1000.000", "0.000"]
    servings = api.get("/api/kitchen/charts/servings/" + query, **bearer(admin)).json()["series"][0]
    assert (servings["name"], [(p["portions"], p["servings"]) for p in servings["points"]]) == (
        "Plov",
        [(0, 0), (2, 1), (3, 1)],
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-02-30", "start"),
        ("start=2026-05-01&end=2026-04-01", "start"),
        ("start=2020-01-01&end=2026-01-01", "end"),
        ("product=999999", "product"),
        ("colour=red", "colour"),
    ],
)
def test_bad_chart_parameters_are_400_on_the_field(api, admin, query, field):
    answer = api.get(f"/api/kitchen/charts/consumption/?{query}", **bearer(admin))
    assert answer.status_code == 400 and field in answer.json()["error"]["fields"], answer.json()


def test_charts_are_analytics(api, tenant):
    cook = member_factory(tenant=tenant, role=Role.COOK)
    for url in ("/api/kitchen/charts/consumption/", "/api/kitchen/charts/servings/", "/api/stock/charts/deliveries/"):
        assert api.get(url, **bearer(cook)).status_code == 403
