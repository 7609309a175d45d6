"""Portions possible follow stock live, recomputed only for the meals a change touches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domains.kitchen import services
from domains.kitchen.models import Meal
from domains.stock import services as stock
from realtime.models import OutboxEvent
from tests.factories import meal_factory, product_factory, stock_up

pytestmark = pytest.mark.django_db


def announced() -> list[list[tuple[str, int]]]:
    rows = OutboxEvent.objects.filter(type="kitchen.portions_changed").order_by("pk")
    return [[(m["name"], m["portions"]) for m in row.data["meals"]] for row in rows]


def test_only_meals_using_the_changed_products_are_recomputed_and_only_changes_announced(
    tenant, admin, django_capture_on_commit_callbacks
):
    rice, milk, salt = (product_factory(tenant=tenant, name=n) for n in ("Rice", "Milk", "Salt"))
    with django_capture_on_commit_callbacks(execute=True):
        for product, quantity in ((rice, 1000), (milk, 1000), (salt, 100)):
            stock_up(product, quantity, actor=admin.user)
        plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100, salt: 5})
        meal_factory(tenant=tenant, name="Porridge", recipe={milk: 200, salt: 1})
    OutboxEvent.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 500, actor=admin.user)  # plov 10 -> 15; porridge untouched
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(milk, 100, actor=admin.user)  # porridge 5 -> 5 (1100 // 200): nothing to say
    with django_capture_on_commit_callbacks(execute=True):
        services.serve(meal=plov, portions=4, actor=admin.user)  # rice 1100 (11), salt 80: plov 11, porridge 80 -> 5
    assert announced() == [[("Plov", 15)], [("Plov", 11)]]
    versions = [row.data["meals"][0]["version"] for row in OutboxEvent.objects.filter(type="kitchen.portions_changed")]
    assert versions == sorted(versions) and len(set(versions)) == 2


def test_a_stale_count_is_repaired_by_the_reconcile_job(tenant, admin, django_capture_on_commit_callbacks):
    rice = product_factory(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 1000, actor=admin.user)
        plov = meal_factory(tenant=tenant, recipe={rice: 100})
    # the process died between commit and refresh: no on-commit callbacks run
    stock.adjust(product=rice, reason="waste", quantity=Decimal(-500), actor=admin.user)
    assert Meal.objects.get(pk=plov.pk).portions == 10
    from domains.kitchen.tasks import reconcile_portions

    reconcile_portions.fn()
    assert Meal.objects.get(pk=plov.pk).portions == 5
    assert announced()[-1] == [(plov.name, 5)]
