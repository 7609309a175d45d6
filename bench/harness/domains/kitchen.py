"""The kitchen for the benches: meals and their recipes, serving, live portions, a month of
servings as history, the monthly variance report."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bench.harness.domains import stock
from core.models import Organization, User
from core.timezones import local_today
from domains.kitchen import services
from domains.kitchen.models import Meal, RecipeItem, Serving
from realtime import fanout

__all__ = ["Meal"]


def meals(tenant: Organization, recipes: Sequence[Sequence[tuple[Any, Any]]], *, prefix: str = "meal") -> list[Meal]:
    """A meal per recipe (``(product, quantity)`` pairs), through the service."""
    return [
        services.meal_create(
            tenant=tenant,
            name=f"{prefix}-{m}",
            recipe=[{"product": p, "quantity": Decimal(q)} for p, q in recipe],
            actor=None,
        )
        for m, recipe in enumerate(recipes)
    ]


def bulk_meals(tenant: Organization, count: int, products: Sequence[Any], quantity: Any) -> list[Meal]:
    """``count`` meals, each of every product, written in bulk (a setup)."""
    written = Meal.objects.bulk_create([Meal(tenant=tenant, name=f"m{i}") for i in range(count)])
    RecipeItem.objects.bulk_create(
        [
            RecipeItem(tenant=tenant, meal=m, product=p, quantity=Decimal(quantity(i)))
            for m in written
            for i, p in enumerate(products)
        ],
        batch_size=5000,
    )
    return written


def serve(meal: Meal, portions: int, actor: User, key: str | None = None) -> dict | None:
    """One serving; None when served, the 409's body when stock ran short."""
    try:
        services.serve(meal=meal, portions=portions, actor=actor, idempotency_key=key)
    except stock.InsufficientStock as exc:
        return stock.refusal(exc)
    return None


def meal_named(tenant: Organization, name: str) -> Meal:
    return Meal.objects.get(tenant=tenant, name=name)


def meal_rows(ids: Sequence[int]) -> list[Meal]:
    return list(Meal.objects.filter(pk__in=ids).order_by("pk"))


def recompute(tenant: Organization) -> None:
    """Every meal's portions, as the follower recomputes them after a stock change."""
    services.refresh_portions(tenant_id=tenant.pk, meals=Meal.objects.filter(tenant=tenant))


def follow_stock() -> int:
    """What a worker does after stock changed: the committed events to their followers (the
    kitchen's portions among them); how many events it handed."""
    handed = 0
    while found := fanout.fan_out():
        handed += found
    return handed


def meals_changed(tenant: Organization) -> int:
    return Meal.objects.filter(tenant=tenant, portions_version__gt=1).count()


def last_month(tenant: Organization) -> datetime.date:
    return (local_today(tenant).replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def ledger_history(tenant: Organization, products: list, rows: int, *, cook: User) -> None:
    """Last month of one kitchen: a big delivery of each product, then servings of five-product
    meals, as ``rows`` ledger rows whose balances chain like the service's own."""
    history = Meal.objects.bulk_create([Meal(tenant=tenant, name=f"history-{i}") for i in range(10)])
    rng = random.Random(3)
    recipes = {m.pk: rng.sample(products, 5) for m in history}
    RecipeItem.objects.bulk_create(
        [RecipeItem(tenant=tenant, meal=m, product=p, quantity=Decimal(50)) for m in history for p in recipes[m.pk]]
    )
    start, end = services.month_bounds(tenant, last_month(tenant))
    balance = {p.pk: Decimal(10**9) for p in products}  # a big delivery first
    at = start + datetime.timedelta(minutes=1)
    step = (end - start - datetime.timedelta(minutes=2)) / max(1, rows // 5)
    row = {"tenant": tenant, "created_at": at}
    movements = [{**row, "product": p, "kind": "delivery", "quantity": 10**9, "balance_after": 10**9} for p in products]
    servings = []
    while len(movements) + 5 * len(servings) < rows:
        servings.append(Serving(tenant=tenant, meal=rng.choice(history), portions=2, served_by=cook, served_at=at))
        at += step
    Serving.objects.bulk_create(servings, batch_size=5000)
    for serving in servings:
        for p in recipes[serving.meal_id]:
            balance[p.pk] -= 100
            movements.append(
                {
                    **row,
                    "product": p,
                    "kind": "serving",
                    "quantity": -100,
                    "balance_after": balance[p.pk],
                    "source_type": "serving",
                    "source_id": serving.pk,
                    "created_at": serving.served_at,
                }
            )
    stock.write_history(movements, balance)


def variance_report(tenant_id: int) -> int:
    """Last month's variance report, built; the portions it counted as served."""
    tenant = Organization.objects.get(pk=tenant_id)
    return services.build_variance_report(tenant=tenant, month=last_month(tenant), now=timezone.now()).served
