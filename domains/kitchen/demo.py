# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo kitchen for `make run`: ingredients, meals, last month's history with a variance alarm,
and this month so far. Written through the services, like real use; skipped once present."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.demo import as_of
from core.models import Membership, Organization
from core.roles import Role
from core.timezones import local_today, start_of_day
from domains.kitchen import services
from domains.kitchen.models import Meal
from domains.stock import services as stock
from domains.stock.models import AdjustmentReason

D = Decimal
PRODUCTS = [  # name, unit, minimum, delivered each month
    ("Guruch", "g", D(10000), D(60000)),
    ("Tovuq goʻshti", "g", D(5000), D(30000)),
    ("Sabzi", "g", D(3000), D(20000)),
    ("Piyoz", "g", D(2000), D(10000)),
    ("Kartoshka", "g", D(5000), D(30000)),
    ("Oʻsimlik yogʻi", "ml", D(2000), D(8000)),
    ("Tuz", "g", D(500), D(3000)),
    ("Sut", "ml", D(5000), D(40000)),
    ("Suli yormasi", "g", D(2000), D(8000)),
    ("Tuxum", "pcs", D(30), D(300)),
]
MEALS = {
    "Palov": {"Guruch": 100, "Tovuq goʻshti": 60, "Sabzi": 50, "Piyoz": 20, "Oʻsimlik yogʻi": 15, "Tuz": 3},
    "Tovuqli shoʻrva": {"Tovuq goʻshti": 40, "Kartoshka": 80, "Sabzi": 20, "Piyoz": 10, "Tuz": 2},
    "Sutli boʻtqa": {"Suli yormasi": 40, "Sut": 200, "Tuz": 1},
    "Omlet": {"Tuxum": 2, "Sut": 50, "Oʻsimlik yogʻi": 5, "Tuz": 1},
}


def _month(tenant: Organization, *, manager: Membership, cook: Membership, products: dict, scale: int) -> None:
    stock.delivery_create(
        tenant=tenant,
        delivered_on=local_today(tenant),
        supplier="Toshkent Oziq-ovqat",
        batch_note="oylik buyurtma",
        lines=[{"product": products[name], "quantity": qty} for name, _, _, qty in PRODUCTS],
        actor=manager.user,
    )
    for meal in Meal.objects.filter(tenant=tenant).order_by("name"):
        for _ in range(scale):
            services.serve(meal=meal, portions=20, actor=cook.user)
    stock.adjust(
        product=products["Sut"],
        reason=AdjustmentReason.WASTE,
        quantity=D(-1000),
        note="muzlatgichda buzildi",
        actor=manager.user,
    )


def seed(tenant: Organization) -> None:
    if Meal.all_objects.filter(tenant=tenant).exists():
        return
    manager = Membership.objects.get(tenant=tenant, role=Role.MANAGER, user__username="demo-manager")
    cook = Membership.objects.get(tenant=tenant, role=Role.COOK, user__username="demo-cook")
    this_month = local_today(tenant).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # Last month, written on its 15th: products, recipes, deliveries and servings, then a physical
    # count finds rice missing (the variance alarm's cause).
    with as_of(start_of_day(tenant, last_month) + timedelta(days=14, hours=9)):
        products = {
            name: stock.product_create(tenant=tenant, name=name, unit=unit, minimum=minimum, location="Asosiy ombor")
            for name, unit, minimum, _ in PRODUCTS
        }
        for name, recipe in MEALS.items():
            services.meal_create(
                tenant=tenant,
                name=name,
                recipe=[{"product": products[p], "quantity": D(q)} for p, q in recipe.items()],
                actor=manager.user,
            )
        _month(tenant, manager=manager, cook=cook, products=products, scale=5)
        stock.adjust(
            product=products["Guruch"],
            reason=AdjustmentReason.COUNT,
            quantity=D(-10000),
            note="oy oxiridagi sanoq",
            actor=manager.user,
        )
    services.build_variance_report(tenant=tenant, month=last_month)
    # This month so far.
    _month(tenant, manager=manager, cook=cook, products=products, scale=1)
    services.build_variance_report(tenant=tenant, month=this_month)
