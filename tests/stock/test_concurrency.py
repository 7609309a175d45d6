"""Many cooks at once on PostgreSQL: no drift between ledger and balances, no negative stock,
every refusal justified, and the last 500 g go to exactly one of two racing cooks."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import Sum

from core.roles import Role
from domains.kitchen import services as kitchen
from domains.kitchen.models import Serving
from domains.stock.models import Movement, Product
from domains.stock.services import InsufficientStock
from tests.factories import meal_factory, member_factory, product_factory, stock_up, tenant_factory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def run_threads(count: int, work) -> list:  # type: ignore[no-untyped-def]
    results: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def runner(n: int) -> None:
        try:
            barrier.wait()
            outcome = work(n)
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_serves_keep_ledger_and_balances_equal_and_never_negative():
    tenant = tenant_factory()
    admin = member_factory(tenant=tenant)
    cooks = [member_factory(tenant=tenant, role=Role.COOK) for _ in range(12)]
    rice, salt, oil = (product_factory(tenant=tenant, name=n) for n in ("Rice", "Salt", "Oil"))
    start = {rice.pk: Decimal(20000), salt.pk: Decimal(900), oil.pk: Decimal(4000)}
    for product in (rice, salt, oil):
        stock_up(product, start[product.pk], actor=admin.user)
    meals = [
        meal_factory(tenant=tenant, recipe={rice: 100, salt: 3, oil: 10}),
        meal_factory(tenant=tenant, recipe={oil: 20, rice: 50}),
        meal_factory(tenant=tenant, recipe={salt: 5, oil: 5}),
    ]

    def cook(n: int) -> tuple[int, int]:
        rng = random.Random(n)
        served = refused = 0
        for _ in range(25):
            try:
                kitchen.serve(meal=rng.choice(meals), portions=rng.randint(1, 6), actor=cooks[n].user)
                served += 1
            except InsufficientStock as exc:
                for shortage in exc.extra["shortages"]:  # a refusal is only ever for a real shortage
                    assert Decimal(shortage["needed"]) > Decimal(shortage["available"])
                refused += 1
        return served, refused

    outcomes = run_threads(len(cooks), cook)
    assert len(outcomes) == len(cooks)
    served = sum(s for s, _ in outcomes)
    assert served == Serving.objects.count() and served > 0
    assert sum(r for _, r in outcomes) > 0, "the stock was meant to run out for some serves"
    for product in Product.objects.filter(tenant=tenant):
        rows = list(Movement.objects.filter(product=product).order_by("pk").values_list("quantity", "balance_after"))
        running = Decimal(0)
        for quantity, balance_after in rows:  # every row's balance follows from the one before
            running += quantity
            assert balance_after == running >= 0
        assert product.on_hand == running == Movement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"]
    # every serving took exactly its recipe
    for serving in Serving.objects.all():
        taken = Movement.objects.filter(source_type="serving", source_id=serving.pk).count()
        assert taken == serving.meal.recipe.count()


def test_two_cooks_racing_for_the_last_500_g_never_both_succeed():
    tenant = tenant_factory()
    admin = member_factory(tenant=tenant)
    rice = product_factory(tenant=tenant, name="Rice")
    stock_up(rice, 500, actor=admin.user)
    big_plov = meal_factory(tenant=tenant, recipe={rice: 500})
    cooks = [member_factory(tenant=tenant, role=Role.COOK) for _ in range(2)]

    for round_ in range(5):

        def race(n: int) -> str:
            try:
                kitchen.serve(meal=big_plov, portions=1, actor=cooks[n].user)
                return "served"
            except InsufficientStock:
                return "refused"

        assert sorted(run_threads(2, race)) == ["refused", "served"], round_
        rice.refresh_from_db()
        assert rice.on_hand == 0
        stock_up(rice, 500, actor=admin.user)


def test_a_double_tap_with_one_key_serves_once_even_when_both_arrive_together():
    tenant = tenant_factory()
    cook = member_factory(tenant=tenant, role=Role.COOK)
    rice = product_factory(tenant=tenant)
    stock_up(rice, 10000, actor=cook.user)
    plov = meal_factory(tenant=tenant, recipe={rice: 100})

    def tap(n: int) -> int:
        serving, _ = kitchen.serve(meal=plov, portions=2, actor=cook.user, idempotency_key="tap-1")
        return serving.pk

    ids = run_threads(4, tap)
    assert len(set(ids)) == 1 and Serving.objects.count() == 1
    rice.refresh_from_db()
    assert rice.on_hand == 9800
