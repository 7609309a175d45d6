"""Meals, recipes and serving over REST: all or nothing, idempotent, logged, role-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.roles import Role
from domains.kitchen.models import Serving
from domains.stock.models import Movement
from realtime import events
from realtime.models import OutboxEvent
from tests.factories import bearer, meal_factory, member_factory, product_factory, stock_up, tenant_factory

pytestmark = pytest.mark.django_db


def post(api, url, body, who):  # type: ignore[no-untyped-def]
    return api.post(url, body, format="json", **bearer(who))


@pytest.fixture
def kitchen(tenant, admin):  # type: ignore[no-untyped-def]
    rice = product_factory(tenant=tenant, name="Rice")
    carrot = product_factory(tenant=tenant, name="Carrot")
    stock_up(rice, 1000, actor=admin.user)
    stock_up(carrot, 120, actor=admin.user)
    plov = meal_factory(tenant=tenant, name="Plov", recipe={rice: 100, carrot: 50})
    return rice, carrot, plov


def serve(api, who, meal, portions, key=None):  # type: ignore[no-untyped-def]
    headers = {**bearer(who), **({"HTTP_IDEMPOTENCY_KEY": key} if key else {})}
    return api.post(f"/api/kitchen/meals/{meal.pk}/serve/", {"portions": portions}, format="json", **headers)


def test_a_cook_serves_and_every_ingredient_is_deducted_in_one_go(api, tenant, kitchen):
    _rice, _carrot, plov = kitchen
    cook = member_factory(tenant=tenant, role=Role.COOK)
    answer = serve(api, cook, plov, 2)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["portions"], body["served_by"], body["meal_name"]) == (2, cook.user_id, "Plov")
    assert {(d["product_name"], d["quantity"], d["balance_after"]) for d in body["deducted"]} == {
        ("Rice", "200.000", "800.000"),
        ("Carrot", "100.000", "20.000"),
    }


def test_one_serving_is_one_outbox_insert_one_publish_and_stamped_with_the_ledgers_time(
    api, tenant, kitchen, monkeypatch, django_capture_on_commit_callbacks
):
    _rice, _carrot, plov = kitchen
    cook = member_factory(tenant=tenant, role=Role.COOK)
    published = []
    monkeypatch.setattr(events, "publish_after_commit", lambda rows: published.append([r.type for r in rows]))
    with django_capture_on_commit_callbacks(execute=True):
        assert serve(api, cook, plov, 1).status_code == 201
    assert published == [["stock.level_changed", "stock.level_changed", "kitchen.meal_served"]]
    serving = Serving.objects.get()
    assert {m.created_at for m in Movement.objects.filter(source_type="serving", source_id=serving.pk)} == {
        serving.served_at
    }


def test_short_stock_refuses_with_each_shortage_and_deducts_nothing(api, tenant, admin, kitchen):
    rice, carrot, plov = kitchen
    answer = serve(api, admin, plov, 3)  # carrot: 150 needed, 120 there
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["shortages"] == [
        {
            "product_id": carrot.pk,
            "branch_id": None,
            "name": "Carrot",
            "unit": "g",
            "needed": "150.000",
            "available": "120.000",
        }
    ]
    rice.refresh_from_db()
    carrot.refresh_from_db()
    assert (rice.on_hand, carrot.on_hand) == (1000, 120)
    assert not Serving.objects.exists() and not Movement.objects.filter(kind="serving").exists()
    assert not OutboxEvent.objects.filter(type="kitchen.meal_served").exists()


@pytest.mark.parametrize("portions", [0, -1, 10_001, "two", None, 1.5])
def test_absurd_portions_are_400_on_the_field(api, admin, kitchen, portions):
    answer = serve(api, admin, kitchen[2], portions)
    assert answer.status_code == 400 and "portions" in answer.json()["error"]["fields"]
    assert not Serving.objects.exists()


def test_a_retried_request_with_the_same_key_serves_once(api, admin, kitchen):
    rice, _, plov = kitchen
    first = serve(api, admin, plov, 1, key="tap-42")
    again = serve(api, admin, plov, 1, key="tap-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    rice.refresh_from_db()
    assert rice.on_hand == 900
    other = serve(api, admin, plov, 2, key="tap-42")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert serve(api, admin, plov, 1, key="x" * 101).status_code == 400


def test_a_recipe_change_does_not_rewrite_what_servings_deducted(api, admin, kitchen):
    rice, _carrot, plov = kitchen
    before = serve(api, admin, plov, 1).json()
    changed = api.patch(
        f"/api/kitchen/meals/{plov.pk}/",
        {"recipe": [{"product": rice.pk, "quantity": "150"}]},
        format="json",
        **bearer(admin),
    )
    assert changed.status_code == 200 and [r["quantity"] for r in changed.json()["recipe"]] == ["150.000"]
    logged = api.get(f"/api/kitchen/servings/{before['id']}/", **bearer(admin)).json()
    assert {(d["product_name"], d["quantity"]) for d in logged["deducted"]} == {
        ("Rice", "100.000"),
        ("Carrot", "50.000"),
    }
    after = serve(api, admin, plov, 1).json()
    assert [(d["product_name"], d["quantity"]) for d in after["deducted"]] == [("Rice", "150.000")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Soup", "recipe": []}, "recipe"),
        ({"name": "Soup"}, "recipe"),
        ({"name": "Soup", "recipe": [{"product": 0, "quantity": "5"}]}, "recipe.0.product"),
        ({"name": "Soup", "recipe": [{"product": "RICE", "quantity": "-5"}]}, "recipe.0.quantity"),
        ({"name": "Plov", "recipe": [{"product": "RICE", "quantity": "5"}]}, "name"),
        (
            {"name": "Soup", "recipe": [{"product": "RICE", "quantity": "5"}, {"product": "RICE", "quantity": "1"}]},
            "recipe",
        ),
    ],
)
def test_bad_meals_are_refused_with_the_field(api, admin, kitchen, body, field):
    rice = kitchen[0]
    for line in body.get("recipe", []):
        if line["product"] == "RICE":
            line["product"] = rice.pk
    answer = post(api, "/api/kitchen/meals/", body, admin)
    assert answer.status_code == 400 and field in answer.json()["error"]["fields"], answer.json()


def test_another_tenants_ingredient_cannot_enter_a_recipe(api, admin):
    foreign = product_factory(tenant=tenant_factory())
    body = {"name": "Soup", "recipe": [{"product": foreign.pk, "quantity": "5"}]}
    answer = post(api, "/api/kitchen/meals/", body, admin)
    assert (
        answer.status_code == 400
        and answer.json()["error"]["fields"]["recipe.0.product"][0]["code"] == "does_not_exist"
    )


def test_an_ingredient_in_a_recipe_cannot_be_deleted(api, admin, kitchen):
    rice = kitchen[0]
    answer = api.delete(f"/api/stock/products/{rice.pk}/", **bearer(admin))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "product_in_use"


def test_cook_serves_and_sees_portions_only(api, tenant, kitchen):
    rice, _, plov = kitchen
    cook = member_factory(tenant=tenant, role=Role.COOK)
    assert serve(api, cook, plov, 1).status_code == 201
    assert api.get("/api/kitchen/portions/", **bearer(cook)).status_code == 200
    assert api.get("/api/kitchen/meals/", **bearer(cook)).status_code == 200
    for forbidden in ("/api/kitchen/servings/", "/api/kitchen/reports/", "/api/stock/products/", "/api/alarms/"):
        assert api.get(forbidden, **bearer(cook)).status_code == 403, forbidden
    body = {"recipe": [{"product": rice.pk, "quantity": "1"}]}
    assert api.patch(f"/api/kitchen/meals/{plov.pk}/", body, format="json", **bearer(cook)).status_code == 403
    viewer = member_factory(tenant=tenant, role=Role.VIEWER)
    assert serve(api, viewer, plov, 1).status_code == 403


def test_the_serving_log_filters_by_meal_cook_and_time(api, tenant, admin, kitchen):
    rice, _carrot, plov = kitchen
    soup = meal_factory(tenant=tenant, name="Soup", recipe={rice: 10})
    cook = member_factory(tenant=tenant, role=Role.COOK)
    serve(api, cook, plov, 1)
    serve(api, admin, soup, 3)
    serve(api, cook, soup, 2)

    def log(query: str) -> list[tuple[str, int]]:
        answer = api.get(f"/api/kitchen/servings/?{query}", **bearer(admin))
        assert answer.status_code == 200, answer.json()
        return [(s["meal_name"], s["portions"]) for s in answer.json()["results"]]

    assert log(f"meal={soup.pk}") == [("Soup", 2), ("Soup", 3)]
    assert log(f"served_by={cook.user_id}") == [("Soup", 2), ("Plov", 1)]
    assert log("until=2000-01-01T00:00:00Z") == []


def test_portions_possible_are_the_minimum_over_ingredients(api, admin, kitchen):
    _rice, carrot, plov = kitchen  # rice 1000/100 = 10, carrot 120/50 = 2
    portions = api.get("/api/kitchen/portions/", **bearer(admin)).json()
    assert portions == [{"meal_id": plov.pk, "name": "Plov", "portions": 2}]
    assert api.get(f"/api/kitchen/meals/{plov.pk}/", **bearer(admin)).json()["portions"] == 2
    stock_up(carrot, Decimal("380"), actor=admin.user)  # carrot 500/50 = 10
    assert api.get("/api/kitchen/portions/", **bearer(admin)).json()[0]["portions"] == 10
