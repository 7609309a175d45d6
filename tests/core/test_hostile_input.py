"""Hostile and wrong-typed input gets a 4xx naming the field, never a 500 or a silent coercion
(the shared mechanisms: core.parsers, core.strict_fields, core.filters)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from domains.stock.models import Movement, Product
from tests.core.test_errors import assert_error_shape
from tests.factories import bearer, member_factory, product_factory

pytestmark = pytest.mark.django_db

DEEP = "[" * 1100 + "]" * 1100


def test_json_nested_too_deep_is_400_even_before_authentication(api):
    response = api.generic("POST", "/api/auth/login/", DEEP, content_type="application/json")
    error = assert_error_shape(response, 400, "parse_error")
    assert "deeper" in error["message"]
    # Within the limit it is parsed, and refused for what it is.
    shallow = api.generic("POST", "/api/auth/login/", '{"username": [[["x"]]]}', content_type="application/json")
    assert shallow.status_code == 400 and "username" in shallow.json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/members/?created_after={}",
        "/api/stock/movements/?since={}",
        "/api/clients/?updated_since={}",
        "/api/orders/?since={}",
    ],
)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00", "1899-12-31T00:00:00Z"])
def test_date_times_out_of_range_in_filters_are_400(api, admin, url, value):
    response = api.get(url.format(value.replace("+", "%2B")), **bearer(admin))
    error = assert_error_shape(response, 400, "invalid")
    assert error["fields"], error


@pytest.mark.parametrize("hours", [16, -20])
def test_offsets_postgres_refuses_are_read_as_the_same_instant(api, admin, hours):
    # ISO 8601 allows offsets to ±23:59; PostgreSQL only ±15:59. The filter compares instants.
    zone = datetime.timezone(datetime.timedelta(hours=hours))
    now = datetime.datetime.now(datetime.UTC)
    for shift, expected in ((datetime.timedelta(hours=1), []), (-datetime.timedelta(hours=1), [admin.pk])):
        stamp = (now + shift).astimezone(zone).isoformat()
        for url in ("/api/members/", "/api/orders/", "/api/stock/movements/"):
            response = api.get(url, {"created_after" if "members" in url else "since": stamp}, **bearer(admin))
            assert response.status_code == 200, response.content
        found = api.get("/api/members/", {"created_after": stamp}, **bearer(admin)).json()["results"]
        assert [row["id"] for row in found] == expected


def test_stuck_minutes_beyond_a_year_is_400(api, admin):
    response = api.get("/api/orders/?stuck_minutes=99999999999999", **bearer(admin))
    assert assert_error_shape(response, 400, "invalid")["fields"]["stuck_minutes"][0]["code"] == "max_value"
    assert api.get("/api/orders/?stuck_minutes=1.5", **bearer(admin)).status_code == 400
    assert api.get("/api/orders/?stuck_minutes=60", **bearer(admin)).status_code == 200


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12"])
def test_report_months_outside_the_calendar_are_400(api, admin, month):
    response = api.post("/api/kitchen/reports/", {"month": month}, format="json", **bearer(admin))
    assert assert_error_shape(response, 400, "invalid")["fields"]["month"][0]["code"] == "out_of_range"


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00"])
def test_point_times_that_overflow_are_400(api, tenant, stamp):
    agent = member_factory(tenant=tenant, role="agent")
    body = {"points": [{"id": "a", "recorded_at": stamp, "lat": 41.3, "lon": 69.2}]}
    response = api.post("/api/locations/points/", body, format="json", **bearer(agent))
    error = assert_error_shape(response, 400, "invalid")
    assert error["fields"]["points.0.recorded_at"][0]["code"] == "out_of_range"


def test_dates_beyond_the_supported_years_are_400_in_bodies_and_filters(api, admin):
    body = {"delivered_on": "9999-12-31", "supplier": "Agro", "lines": []}
    response = api.post("/api/stock/deliveries/", body, format="json", **bearer(admin))
    assert assert_error_shape(response, 400, "invalid")["fields"]["delivered_on"][0]["code"] == "out_of_range"
    response = api.get("/api/stock/deliveries/?delivered_to=9999-12-31", **bearer(admin))
    assert assert_error_shape(response, 400, "invalid")["fields"]["delivered_to"][0]["code"] == "out_of_range"


def test_an_id_with_a_fraction_is_refused_not_truncated(api, tenant, admin):
    rice = product_factory(tenant=tenant, name="Rice")
    body = {"delivered_on": datetime.date.today().isoformat(), "supplier": "Agro"}
    for product in (rice.pk + 0.5, str(rice.pk) + ".0", True, f" {rice.pk}"):
        lines = [{"product": product, "quantity": "1"}]
        response = api.post("/api/stock/deliveries/", {**body, "lines": lines}, format="json", **bearer(admin))
        error = assert_error_shape(response, 400, "invalid")
        assert error["fields"]["lines.0.product"][0]["code"] == "incorrect_type", product
    assert not Movement.objects.exists()
    # An integer, or its digits in a string (what forms and query strings carry), still works.
    ok = api.post(
        "/api/stock/deliveries/",
        {**body, "lines": [{"product": str(rice.pk), "quantity": "1"}]},
        format="json",
        **bearer(admin),
    )
    assert ok.status_code == 201, ok.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minimum", "1_000"),
        ("minimum", "  1 "),
        ("minimum", "1e3"),
        ("minimum", True),
        ("name", 12345),
        ("name", ["x"]),
    ],
)
def test_decimals_and_strings_must_be_what_they_claim(api, admin, field, value):
    body = {"name": "Rice", "unit": "g", field: value}
    response = api.post("/api/stock/products/", body, format="json", **bearer(admin))
    assert assert_error_shape(response, 400, "invalid")["fields"][field][0]["code"] == "invalid"
    assert not Product.objects.exists()


def test_decimals_as_numbers_or_plain_strings_are_taken_and_minus_zero_is_zero(api, admin):
    for minimum, expected in ((12.5, "12.500"), ("7", "7.000"), ("-0", "0.000"), (3, "3.000")):
        name = f"Rice {minimum!r}"
        response = api.post(
            "/api/stock/products/", {"name": name, "unit": "g", "minimum": minimum}, format="json", **bearer(admin)
        )
        assert response.status_code == 201, response.content
        assert response.json()["minimum"] == expected
        stored = Product.objects.get(pk=response.json()["id"]).minimum
        assert stored == Decimal(expected) and not stored.is_signed()
