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


@pytest.fixture
def refresh_queue():  # type: ignore[no-untyped-def]
    """The refresh jobs the stock changes scheduled; ``run()`` does them as the worker would."""
    from domains.kitchen.tasks import refresh_portions
    from workers.broker import broker

    queue = refresh_portions.queue_name
    broker.flush(queue)
    broker.flush(f"{queue}.DQ")

    class Queue:
        @staticmethod
        def scheduled() -> list:
            return [m for q in (queue, f"{queue}.DQ") for m in _messages(broker, q)]

        @staticmethod
        def run() -> None:
            for message in Queue.scheduled():
                refresh_portions.fn(*message.args)
            broker.flush(queue)
            broker.flush(f"{queue}.DQ")

    yield Queue
    Queue.run()


def _messages(broker, queue: str) -> list:  # type: ignore[no-untyped-def]
    import dramatiq
    from dramatiq.brokers.stub import StubBroker

    if isinstance(broker, StubBroker):
        found = broker.queues.get(queue)
        return [dramatiq.Message.decode(raw) for raw in list(found.queue)] if found else []
    client, namespace = broker.client, broker.namespace  # Redis: the queue's message hash
    return [dramatiq.Message.decode(raw) for raw in client.hvals(f"{namespace}:{queue}.msgs")]


def test_only_meals_using_the_changed_products_are_recomputed_and_only_changes_announced(
    tenant, admin, django_capture_on_commit_callbacks, refresh_queue
):
    rice, milk, salt = (product_factory(tenant=tenant, name=n) for n in ("Rice", "Milk", "Salt"))
    with django_capture_on_commit_callbacks(execute=True):
        for product, quantity in ((rice, 1000), (milk, 1000), (salt, 100)):
            stock_up(product, quantity, actor=admin.user)
        plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100, salt: 5})
        meal_factory(tenant=tenant, name="Porridge", recipe={milk: 200, salt: 1})
    refresh_queue.run()
    OutboxEvent.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 500, actor=admin.user)  # plov 10 -> 15; porridge untouched
    refresh_queue.run()
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(milk, 100, actor=admin.user)  # porridge 5 -> 5 (1100 // 200): nothing to say
    refresh_queue.run()
    with django_capture_on_commit_callbacks(execute=True):
        services.serve(meal=plov, portions=4, actor=admin.user)  # rice 1100 (11), salt 80: plov 11, porridge 80 -> 5
    refresh_queue.run()
    assert announced() == [[("Plov", 15)], [("Plov", 11)]]
    versions = [row.data["meals"][0]["version"] for row in OutboxEvent.objects.filter(type="kitchen.portions_changed")]
    assert versions == sorted(versions) and len(set(versions)) == 2


def test_a_burst_of_changes_schedules_one_refresh_for_all_of_them(
    tenant, admin, django_capture_on_commit_callbacks, refresh_queue
):
    # given two meals on different products
    rice, milk = product_factory(tenant=tenant, name="Rice"), product_factory(tenant=tenant, name="Milk")
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 1000, actor=admin.user)
        stock_up(milk, 1000, actor=admin.user)
        plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100})
        meal_factory(tenant=tenant, name="Porridge", recipe={milk: 200})
    refresh_queue.run()
    OutboxEvent.objects.filter(type="kitchen.portions_changed").delete()
    # when five servings and a delivery commit one after another
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            services.serve(meal=plov, portions=1, actor=admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(milk, 400, actor=admin.user)
    # then one refresh was scheduled, and it announces both meals' final counts at once
    assert len(refresh_queue.scheduled()) == 1
    refresh_queue.run()
    assert announced() == [[("Plov", 5), ("Porridge", 7)]]
    # and a change after the refresh schedules the next one
    with django_capture_on_commit_callbacks(execute=True):
        services.serve(meal=plov, portions=1, actor=admin.user)
    assert len(refresh_queue.scheduled()) == 1


def test_a_stale_count_is_repaired_by_the_reconcile_job(
    tenant, admin, django_capture_on_commit_callbacks, refresh_queue
):
    rice = product_factory(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        stock_up(rice, 1000, actor=admin.user)
        plov = meal_factory(tenant=tenant, recipe={rice: 100})
    refresh_queue.run()
    # the process died between commit and refresh: no on-commit callbacks run
    stock.adjust(product=rice, reason="waste", quantity=Decimal(-500), actor=admin.user)
    assert Meal.objects.get(pk=plov.pk).portions == 10
    from domains.kitchen.tasks import reconcile_portions

    reconcile_portions.fn()
    assert Meal.objects.get(pk=plov.pk).portions == 5
    assert announced()[-1] == [(plov.name, 5)]
