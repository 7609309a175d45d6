"""The catalog over REST: search by name, code and barcode; a group with the groups below it;
in stock; a client's price; constant queries at any size; roles and organizations."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from domains.catalog.api import apply_changes
from domains.catalog.models import CatalogProduct, PriceType
from tests.catalog.test_exchange import G, batch
from tests.factories import bearer, member_factory, tenant_factory
from tests.fieldwork import client_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(tenant, field):  # type: ignore[no-untyped-def]
    field["client"].code = "K-1"
    field["client"].save()
    apply_changes(tenant=tenant, changes={**batch(), "client_terms": [{"client": "K-1", "price_type": G["wholesale"]}]})
    return field


def names(api, headers, **params) -> list[str]:  # type: ignore[no-untyped-def]
    response = api.get("/api/catalog/products/", params, **headers)
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def test_search_by_name_code_and_barcode(api, catalog):
    headers = bearer(catalog["agent"])
    assert names(api, headers, search="juice") == ["Apple juice 1 l"]
    assert names(api, headers, search="c-1") == ["Cola 0.5 l"]
    assert names(api, headers, search="4780000000011") == ["Apple juice 1 l"]
    assert names(api, headers, search="478000") == []  # a barcode matches whole, not by prefix
    assert names(api, headers) == ["Apple juice 1 l", "Cola 0.5 l"]


def test_a_group_brings_its_subgroups_and_in_stock_filters(api, tenant, catalog):
    headers = bearer(catalog["manager"])
    drinks = api.get("/api/catalog/groups/", **headers).json()
    by_name = {g["name"]: g for g in drinks}
    assert by_name["Juice"]["parent_id"] == by_name["Drinks"]["id"]
    assert names(api, headers, group=by_name["Drinks"]["id"]) == ["Apple juice 1 l", "Cola 0.5 l"]
    assert names(api, headers, group=by_name["Juice"]["id"]) == ["Apple juice 1 l"]
    assert names(api, headers, in_stock="true") == ["Apple juice 1 l"]
    assert names(api, headers, in_stock="false") == ["Cola 0.5 l"]


def test_prices_for_the_client_being_visited(api, catalog):
    headers = bearer(catalog["agent"])
    rows = api.get("/api/catalog/products/", {"client": catalog["client"].pk}, **headers).json()["results"]
    prices = {row["name"]: row["price"] for row in rows}
    wholesale = PriceType.objects.get(guid=G["wholesale"])
    assert prices == {
        "Apple juice 1 l": {"amount": "0.95", "currency": "USD", "price_type_id": wholesale.pk},
        "Cola 0.5 l": None,  # no wholesale price in 1C
    }
    retail = PriceType.objects.get(guid=G["retail"])
    rows = api.get("/api/catalog/products/", {"price_type": retail.pk}, **headers).json()["results"]
    assert {row["name"]: row["price"]["amount"] for row in rows} == {
        "Apple juice 1 l": "12500.00",
        "Cola 0.5 l": "8000.00",
    }


def test_an_agent_gets_no_prices_for_a_client_not_assigned_to_them(api, tenant, catalog):
    stranger = client_factory(tenant=tenant, name="Not mine")
    response = api.get("/api/catalog/products/", {"client": stranger.pk}, **bearer(catalog["agent"]))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["client"][0]["code"] == "does_not_exist"
    # A manager sees every client.
    assert api.get("/api/catalog/products/", {"client": stranger.pk}, **bearer(catalog["manager"])).status_code == 200


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"group": "drinks"}, "group"),
        ({"group": "0"}, "group"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"client": "99999999999999999999"}, "client"),
        ({"price_type": "999999"}, "price_type"),
        ({"search": "x" * 101}, "search"),
        ({"client": "1", "price_type": "1"}, "price_type"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(api, catalog, params, name):
    response = api.get("/api/catalog/products/", params, **bearer(catalog["manager"]))
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]


def test_one_product_shows_every_price_and_the_stock_per_warehouse(api, catalog):
    apple = CatalogProduct.objects.get(guid=G["apple"])
    body = api.get(f"/api/catalog/products/{apple.pk}/", **bearer(catalog["agent"])).json()
    assert body["in_stock"] == "12.500" and body["barcodes"] == ["4780000000011"]
    assert [(p["price_type"], p["amount"], p["currency"]) for p in body["prices"]] == [
        ("Retail", "12500.00", "UZS"),
        ("Wholesale", "0.95", "USD"),
    ]
    assert [(s["warehouse"], s["quantity"]) for s in body["stock"]] == [("Main", "10.000"), ("North", "2.500")]


def _queries(api, url, headers) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, **headers).status_code == 200
    return len(queries)


def test_the_list_uses_the_same_number_of_queries_at_any_size(api, tenant, catalog):
    headers = bearer(catalog["agent"])
    url = f"/api/catalog/products/?client={catalog['client'].pk}&page_size=200"
    _queries(api, url, headers)  # the caller's membership is remembered from here on
    few = _queries(api, url, headers)
    more = [
        {"guid": str(uuid.uuid4()), "name": f"Product {n}", "group": G["juice"], "barcodes": [f"100{n}", f"200{n}"]}
        for n in range(60)
    ]
    apply_changes(tenant=tenant, changes={"products": more})
    assert _queries(api, url, headers) == few
    assert _queries(api, url + "&search=product", headers) <= few


def test_roles_and_organizations(api, tenant, catalog):
    cook = member_factory(tenant=tenant, role=Role.COOK)
    assert api.get("/api/catalog/products/", **bearer(cook)).status_code == 403
    assert api.get("/api/catalog/products/", **bearer(catalog["viewer"])).status_code == 200
    other = tenant_factory()
    outsider = member_factory(tenant=other, role=Role.MANAGER)
    apple = CatalogProduct.objects.get(guid=G["apple"])
    assert api.get(f"/api/catalog/products/{apple.pk}/", **bearer(outsider)).status_code == 404
    assert api.get("/api/catalog/products/", **bearer(outsider)).json()["results"] == []
    assert api.get("/api/catalog/warehouses/", **bearer(outsider)).json() == []
