"""Applying 1C's changes to the catalog: upserts by GUID, twice is once, deletions are soft,
rows naming what is not synced yet wait for the next batch, a malformed row applies nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.catalog.api import MalformedChange, apply_changes
from domains.catalog.models import Barcode, CatalogProduct, ClientTerms, Group, PendingChange, Price, StockLevel
from realtime.models import OutboxEvent
from tests.fieldwork import client_factory

pytestmark = pytest.mark.django_db

G = {
    name: str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    for name in ("drinks", "juice", "apple", "cola", "retail", "wholesale", "main", "north")
}


def batch() -> dict:
    return {
        # The child group comes before its parent: the batch is applied parents first.
        "groups": [
            {"guid": G["juice"], "code": "0002", "name": "Juice", "parent": G["drinks"]},
            {"guid": G["drinks"], "code": "0001", "name": "Drinks"},
        ],
        "price_types": [
            {"guid": G["retail"], "name": "Retail"},
            {"guid": G["wholesale"], "name": "Wholesale", "currency": "usd"},
        ],
        "warehouses": [{"guid": G["main"], "name": "Main"}, {"guid": G["north"], "name": "North"}],
        "products": [
            {
                "guid": G["apple"],
                "code": "A-1",
                "name": "Apple juice 1 l",
                "group": G["juice"],
                "unit": "pcs",
                "barcodes": ["4780000000011"],
            },
            {"guid": G["cola"], "code": "C-1", "name": "Cola 0.5 l", "group": G["drinks"], "barcodes": []},
        ],
        "prices": [
            {"product": G["apple"], "price_type": G["retail"], "amount": "12500"},
            {"product": G["apple"], "price_type": G["wholesale"], "amount": "0.95"},
            {"product": G["cola"], "price_type": G["retail"], "amount": 8000},
        ],
        "stock": [
            {"product": G["apple"], "warehouse": G["main"], "quantity": "10"},
            {"product": G["apple"], "warehouse": G["north"], "quantity": "2.5"},
            {"product": G["cola"], "warehouse": G["main"], "quantity": 0},
        ],
    }


def test_a_batch_fills_the_catalog_and_the_same_batch_again_changes_nothing(tenant):
    applied = apply_changes(tenant=tenant, changes=batch())
    assert applied.counts == {
        "groups": 2,
        "price_types": 2,
        "warehouses": 2,
        "products": 2,
        "barcodes": 1,
        "prices": 3,
        "stock": 3,
    }
    assert applied.deferred == 0
    apple = CatalogProduct.objects.get(tenant=tenant, guid=G["apple"])
    assert apple.group.name == "Juice" and apple.group.parent.name == "Drinks"
    assert apple.in_stock == Decimal("12.5")
    assert CatalogProduct.objects.get(guid=G["cola"]).in_stock == 0
    assert list(Barcode.objects.filter(product=apple).values_list("value", flat=True)) == ["4780000000011"]
    event = OutboxEvent.objects.get(type="catalog.changed")
    assert event.data["counts"]["prices"] == 3 and sorted(event.data["product_ids"]) == sorted(
        CatalogProduct.objects.values_list("pk", flat=True)
    )

    again = apply_changes(tenant=tenant, changes=batch())
    assert again.counts == {} and again.unchanged == 14
    assert OutboxEvent.objects.filter(type="catalog.changed").count() == 1  # nothing changed: no event
    assert CatalogProduct.objects.count() == 2 and Price.objects.count() == 3 and StockLevel.objects.count() == 3


def test_changes_update_in_place_and_deletions_are_soft(tenant):
    apply_changes(tenant=tenant, changes=batch())
    apple = CatalogProduct.objects.get(guid=G["apple"])
    applied = apply_changes(
        tenant=tenant,
        changes={
            "products": [
                {
                    "guid": G["apple"],
                    "code": "A-1",
                    "name": "Apple juice 1 l (new)",
                    "group": G["juice"],
                    "barcodes": ["4780000000028"],
                }
            ],
            "prices": [{"product": G["apple"], "price_type": G["retail"], "amount": "13000"}],
            "stock": [{"product": G["apple"], "warehouse": G["north"], "quantity": "0"}],
            "deleted": [{"kind": "product", "guid": G["cola"]}, {"kind": "product", "guid": str(uuid.uuid4())}],
        },
    )
    assert applied.counts == {"products": 1, "barcodes": 1, "prices": 1, "stock": 1, "deleted_products": 1}
    apple.refresh_from_db()
    assert apple.name == "Apple juice 1 l (new)" and apple.in_stock == 10
    assert Price.objects.get(product=apple, price_type__guid=G["retail"]).amount == Decimal("13000.00")
    assert list(apple.barcodes.values_list("value", flat=True)) == ["4780000000028"]
    assert not CatalogProduct.objects.filter(guid=G["cola"]).exists()
    assert CatalogProduct.all_objects.get(guid=G["cola"]).is_deleted  # an old order still points at it


def test_rows_naming_unsynced_rows_wait_for_the_next_batch(tenant):
    orphan_price = {"product": G["apple"], "price_type": G["retail"], "amount": "12500"}
    first = apply_changes(
        tenant=tenant,
        changes={
            "price_types": [{"guid": G["retail"], "name": "Retail"}],
            "prices": [orphan_price],
            "products": [{"guid": G["cola"], "name": "Cola", "group": G["drinks"]}],  # group unknown yet
        },
    )
    assert first.deferred == 2 and first.counts == {"price_types": 1}
    waiting = sorted(PendingChange.objects.values_list("kind", "missing"))
    assert waiting == [("prices", f"product {G['apple']}"), ("products", f"group {G['drinks']}")]

    second = apply_changes(
        tenant=tenant,
        changes={
            "groups": [{"guid": G["drinks"], "name": "Drinks"}],
            "products": [{"guid": G["apple"], "name": "Apple juice"}],
        },
    )
    assert second.deferred == 0 and not PendingChange.objects.exists()
    assert CatalogProduct.objects.get(guid=G["cola"]).group.name == "Drinks"
    assert Price.objects.get(product__guid=G["apple"]).amount == Decimal("12500")


def test_a_row_still_waiting_counts_its_attempts(tenant):
    apply_changes(
        tenant=tenant, changes={"prices": [{"product": G["apple"], "price_type": G["retail"], "amount": "1"}]}
    )
    apply_changes(tenant=tenant, changes={})
    assert PendingChange.objects.get().attempts == 2


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"products": [{"guid": "not-a-guid", "name": "X"}]}, "products[0]: guid must be a GUID"),
        ({"products": [{"guid": G["apple"], "name": ""}]}, "products[0]: name must be text of 1 to 300 characters"),
        (
            {"prices": [{"product": G["apple"], "price_type": G["retail"], "amount": "-1"}]},
            "prices[0]: amount must be at least 0",
        ),
        (
            {"prices": [{"product": G["apple"], "price_type": G["retail"], "amount": "1.234"}]},
            "prices[0]: amount must be a number with at most 2 decimals",
        ),
        (
            {"stock": [{"product": G["apple"], "warehouse": G["main"], "quantity": "NaN"}]},
            "stock[0]: quantity must be a number with at most 3 decimals",
        ),
        (
            {"price_types": [{"guid": G["retail"], "name": "Retail", "currency": "SO'M"}]},
            "price_types[0]: currency must be a three-letter ISO 4217 code",
        ),
        (
            {"groups": [{"guid": G["drinks"], "name": "Loop", "parent": G["drinks"]}]},
            "groups[0]: a group cannot be its own parent",
        ),
        (
            {"deleted": [{"kind": "client", "guid": G["drinks"]}]},
            "deleted[0]: kind must be one of group, image, price_type, product, warehouse",
        ),
        ({"products": ["just text"]}, "products[0]: a row must be an object"),
        ({"products": {"guid": G["apple"]}}, "products[0]: must be a list of rows"),
        ({"recipes": []}, "batch[0]: a batch maps kinds"),
    ],
)
def test_a_malformed_row_fails_the_batch_with_nothing_applied(tenant, changes, problem):
    good = batch()
    for kind, rows in changes.items():
        good[kind] = rows if not isinstance(rows, list) else [*good.get(kind, []), *rows]
    with pytest.raises(MalformedChange) as failed:
        apply_changes(tenant=tenant, changes=good)
    assert str(failed.value).startswith(problem.split("[0]")[0])
    assert problem.split(": ", 1)[1] in str(failed.value)
    assert (
        not CatalogProduct.all_objects.exists()
        and not Group.all_objects.exists()
        and not OutboxEvent.objects.filter(type="catalog.changed").exists()
    )


def test_a_client_buys_at_its_price_type_by_its_1c_code(tenant):
    client = client_factory(tenant=tenant, code="K-77")
    applied = apply_changes(
        tenant=tenant,
        changes={
            **batch(),
            "client_terms": [
                {"client": "K-77", "price_type": G["wholesale"]},
                {"client": "K-78", "price_type": G["retail"]},
            ],
        },
    )
    assert ClientTerms.objects.get(client=client).price_type.name == "Wholesale"
    assert applied.deferred == 1  # K-78 is not synced yet


def test_organizations_never_see_each_others_rows(tenant):
    from tests.factories import tenant_factory

    other = tenant_factory()
    apply_changes(tenant=tenant, changes=batch())
    apply_changes(tenant=other, changes=batch())  # the same GUIDs in another organization
    assert CatalogProduct.objects.filter(tenant=other).count() == 2
    assert Price.objects.filter(tenant=other).count() == 3
    assert all(p.group.tenant_id == other.pk for p in CatalogProduct.objects.filter(tenant=other))
