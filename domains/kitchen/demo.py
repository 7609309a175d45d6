"""Demo kitchen for `make run`: ingredients, meals, last month's history with a variance alarm,
and this month so far. Written through the services, like real use; skipped once present."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from core.models import Membership, Organization
from core.roles import Role
from core.timezones import local_today, start_of_day
from domains.kitchen import services
from domains.kitchen.models import Meal, Serving
from domains.stock import api as stock
from domains.stock.api import AdjustmentReason, Delivery, Movement, Product

D = Decimal
PRODUCTS = [  # name, unit, minimum, delivered each month
    ("Rice", "g", D(10000), D(60000)),
    ("Chicken", "g", D(5000), D(30000)),
    ("Carrots", "g", D(3000), D(20000)),
    ("Onion", "g", D(2000), D(10000)),
    ("Potatoes", "g", D(5000), D(30000)),
    ("Vegetable oil", "ml", D(2000), D(8000)),
    ("Salt", "g", D(500), D(3000)),
    ("Milk", "ml", D(5000), D(40000)),
    ("Oat flakes", "g", D(2000), D(8000)),
    ("Eggs", "pcs", D(30), D(300)),
]
MEALS = {
    "Plov": {"Rice": 100, "Chicken": 60, "Carrots": 50, "Onion": 20, "Vegetable oil": 15, "Salt": 3},
    "Chicken soup": {"Chicken": 40, "Potatoes": 80, "Carrots": 20, "Onion": 10, "Salt": 2},
    "Milk porridge": {"Oat flakes": 40, "Milk": 200, "Salt": 1},
    "Omelette": {"Eggs": 2, "Milk": 50, "Vegetable oil": 5, "Salt": 1},
}


def _month(tenant: Organization, *, manager: Membership, cook: Membership, products: dict, scale: int) -> None:
    stock.delivery_create(
        tenant=tenant,
        delivered_on=local_today(tenant),
        supplier="Toshkent Oziq-ovqat",
        batch_note="monthly order",
        lines=[{"product": products[name], "quantity": qty} for name, _, _, qty in PRODUCTS],
        actor=manager.user,
    )
    for meal in Meal.objects.filter(tenant=tenant).order_by("name"):
        for _ in range(scale):
            services.serve(meal=meal, portions=20, actor=cook.user)
    stock.adjust(
        product=products["Milk"],
        reason=AdjustmentReason.WASTE,
        quantity=D(-1000),
        note="spoiled in the fridge",
        actor=manager.user,
    )


def seed(tenant: Organization) -> None:
    if Product.all_objects.filter(tenant=tenant).exists():
        return
    manager = Membership.objects.get(tenant=tenant, role=Role.MANAGER, user__username="demo-manager")
    cook = Membership.objects.get(tenant=tenant, role=Role.COOK, user__username="demo-cook")
    products = {
        name: stock.product_create(tenant=tenant, name=name, unit=unit, minimum=minimum, location="Main store")
        for name, unit, minimum, _ in PRODUCTS
    }
    for name, recipe in MEALS.items():
        services.meal_create(
            tenant=tenant,
            name=name,
            recipe=[{"product": products[p], "quantity": D(q)} for p, q in recipe.items()],
            actor=manager.user,
        )

    # Last month: deliveries and servings, then a physical count finds rice missing.
    _month(tenant, manager=manager, cook=cook, products=products, scale=5)
    rice = Product.objects.get(pk=products["Rice"].pk)
    stock.adjust(
        product=rice,
        reason=AdjustmentReason.COUNT,
        counted=rice.on_hand - D(10000),
        note="month-end count",
        actor=manager.user,
    )
    # Move that history into last month: every row by the same offset, so order is kept.
    this_month = local_today(tenant).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    offset = timezone.now() - (start_of_day(tenant, last_month) + timedelta(days=14))
    Movement.objects.filter(tenant=tenant).update(created_at=F("created_at") - offset)
    Serving.objects.filter(tenant=tenant).update(served_at=F("served_at") - offset)
    Delivery.objects.filter(tenant=tenant).update(delivered_on=last_month + timedelta(days=1))
    services.build_variance_report(tenant=tenant, month=last_month)

    # This month so far.
    _month(
        tenant, manager=manager, cook=cook, products={p.name: p for p in Product.objects.filter(tenant=tenant)}, scale=1
    )
    services.build_variance_report(tenant=tenant, month=this_month)
