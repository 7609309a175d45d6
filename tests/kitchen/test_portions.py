"""Portions possible follow stock live (the kitchen follows stock events through
``realtime.fanout``), recomputed only for the meals a change touches, once per burst."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domains.kitchen import services
from domains.kitchen.models import Meal
from domains.stock import services as stock
from realtime.fanout import fan_out
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
    fan_out()
    OutboxEvent.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 500, actor=admin.user)  # plov 10 -> 15; porridge untouched
    fan_out()
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(milk, 100, actor=admin.user)  # porridge 5 -> 5 (1100 // 200): nothing to say
    fan_out()
    with django_capture_on_commit_callbacks(execute=True):
        services.serve(meal=plov, portions=4, actor=admin.user)  # rice 1100 (11), salt 80: plov 11, porridge 80 -> 5
    fan_out()
    assert announced() == [[("Plov", 15)], [("Plov", 11)]]
    versions = [row.data["meals"][0]["version"] for row in OutboxEvent.objects.filter(type="kitchen.portions_changed")]
    assert versions == sorted(versions) and len(set(versions)) == 2


def test_a_burst_of_changes_is_recomputed_once_for_all_of_them(tenant, admin, django_capture_on_commit_callbacks):
    # given two meals on different products
    rice, milk = product_factory(tenant=tenant, name="Rice"), product_factory(tenant=tenant, name="Milk")
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 1000, actor=admin.user)
        stock_up(milk, 1000, actor=admin.user)
        plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100})
        meal_factory(tenant=tenant, name="Porridge", recipe={milk: 200})
    fan_out()
    OutboxEvent.objects.filter(type="kitchen.portions_changed").delete()
    # when five servings and a delivery commit one after another
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            services.serve(meal=plov, portions=1, actor=admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(milk, 400, actor=admin.user)
    # then one fan-out run recomputes each meal once and announces both final counts together
    assert fan_out() == 6  # the five servings and the delivery, in one run
    assert announced() == [[("Plov", 5), ("Porridge", 7)]]
    # and a change after it waits for the next run
    with django_capture_on_commit_callbacks(execute=True):
        services.serve(meal=plov, portions=1, actor=admin.user)
    assert OutboxEvent.objects.filter(fanout=True, type="stock.level_changed").count() == 1


def test_a_crash_before_the_recompute_loses_nothing(tenant, admin, django_capture_on_commit_callbacks):
    rice = product_factory(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 1000, actor=admin.user)
        plov = meal_factory(tenant=tenant, recipe={rice: 100})
    fan_out()
    # the process died right after the commit: no on-commit callbacks run, nobody was asked
    stock.adjust(product=rice, reason="waste", quantity=Decimal(-500), actor=admin.user)
    assert Meal.objects.get(pk=plov.pk).portions == 10
    fan_out()  # the periodic sweep finds the committed change still marked
    assert Meal.objects.get(pk=plov.pk).portions == 5
    assert announced()[-1] == [(plov.name, 5)]
