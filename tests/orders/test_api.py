"""Orders over REST: placing with idempotency, bad input, who sees what, the operator view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from domains.orders import services
from domains.orders.models import Order, OrderStatus, Provider
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, order_catalog, tenant_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tenant):  # type: ignore[no-untyped-def]
    provider, package = order_catalog(tenant=tenant)
    return {
        "provider": provider,
        "package": package,
        "customer": member_factory(tenant=tenant, role=Role.CUSTOMER),
        "other": member_factory(tenant=tenant, role=Role.CUSTOMER),
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
        "viewer": member_factory(tenant=tenant, role=Role.VIEWER),
    }


def place(api, member, body, key=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post("/api/orders/", body, format="json", **bearer(member), **headers)


def test_a_retried_post_returns_the_same_order_and_a_reused_key_is_409(api, shop, django_capture_on_commit_callbacks):
    body = {"package": shop["package"].pk, "account": "player-7", "extra": "EU"}
    with django_capture_on_commit_callbacks() as sent:
        first = place(api, shop["customer"], body, key="k-1")
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "created" and first.json()["customer"] == shop["customer"].user_id
    assert len(sent) == 2  # the event publish and the dispatch message, after commit
    again = place(api, shop["customer"], body, key="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = place(api, shop["customer"], {**body, "account": "player-8"}, key="k-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    # keys are per customer: another customer may use the same string
    assert place(api, shop["other"], body, key="k-1").status_code == 201
    assert Order.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"account": "p"}, "package", "required"),
        ({"package": 999999, "account": "p"}, "package", "does_not_exist"),
        ({"package": "x", "account": "p"}, "package", "incorrect_type"),
        ({"package": None, "account": ""}, "account", "blank"),
        ({"package": None, "account": "p" * 101}, "account", "max_length"),
        ({"package": None, "account": "p", "extra": "e" * 201}, "extra", "max_length"),
        ({"package": None, "account": "p", "pin": "1234"}, "pin", "unknown_field"),
        ({"package": None, "account": "p", "customer": "me"}, "customer", "invalid"),
    ],
)
def test_bad_input_is_a_400_on_the_field_and_writes_nothing(api, shop, body, field, code):
    body = {k: (shop["package"].pk if k == "package" and v is None else v) for k, v in body.items()}
    response = place(api, shop["customer"], body)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"][field][0]["code"] == code
    assert not Order.objects.exists() and not OutboxEvent.objects.exists()


def test_another_tenants_package_does_not_exist_here(api, shop):
    _, foreign = order_catalog(tenant=tenant_factory())
    response = place(api, shop["customer"], {"package": foreign.pk, "account": "p"})
    assert response.json()["error"]["fields"]["package"][0]["code"] == "does_not_exist"


def test_a_long_or_unprintable_idempotency_key_is_refused(api, shop):
    response = place(api, shop["customer"], {"package": shop["package"].pk, "account": "p"}, key="k" * 101)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]["fields"]


def test_staff_order_for_a_customer_but_a_customer_only_for_themselves(api, shop):
    body = {"package": shop["package"].pk, "account": "p", "customer": shop["customer"].user_id}
    by_manager = place(api, shop["manager"], body)
    assert by_manager.status_code == 201
    assert by_manager.json()["customer"] == shop["customer"].user_id
    assert by_manager.json()["placed_by"] == shop["manager"].user_id
    by_customer = place(api, shop["other"], body)
    assert by_customer.status_code == 400 and by_customer.json()["error"]["fields"]["customer"][0]["code"] == (
        "not_allowed"
    )
    stranger = member_factory(tenant=tenant_factory(), role=Role.CUSTOMER)
    response = place(api, shop["manager"], {**body, "customer": stranger.user_id})
    assert response.json()["error"]["fields"]["customer"][0]["code"] == "does_not_exist"


def test_roles(api, shop, tenant):
    cook = member_factory(tenant=tenant, role=Role.COOK)
    assert place(api, cook, {"package": shop["package"].pk, "account": "p"}).status_code == 403
    assert api.get("/api/orders/", **bearer(cook)).status_code == 403
    assert place(api, shop["viewer"], {"package": shop["package"].pk, "account": "p"}).status_code == 403
    assert api.get("/api/orders/", **bearer(shop["viewer"])).status_code == 200
    assert api.get("/api/orders/providers/", **bearer(shop["customer"])).status_code == 403
    assert api.get("/api/orders/products/", **bearer(shop["customer"])).status_code == 200


def completed(shop, customer) -> Order:  # type: ignore[no-untyped-def]
    order, _ = services.order_place(
        tenant=shop["package"].tenant, actor=customer.user, customer=customer.user, package=shop["package"], account="p"
    )
    return services.dispatch(order.pk)


def test_customers_see_only_their_orders_and_pins_only_the_owner_and_pin_staff(api, shop):
    mine, theirs = completed(shop, shop["customer"]), completed(shop, shop["other"])
    assert mine.status == OrderStatus.COMPLETED
    pin = mine.pin()
    listed = api.get("/api/orders/", **bearer(shop["customer"])).json()["results"]
    assert [o["id"] for o in listed] == [mine.pk] and listed[0]["pin"] == pin
    assert api.get(f"/api/orders/{theirs.pk}/", **bearer(shop["customer"])).status_code == 404
    manager_view = api.get(f"/api/orders/{mine.pk}/", **bearer(shop["manager"])).json()
    assert manager_view["pin"] == pin
    viewer_list = api.get("/api/orders/", **bearer(shop["viewer"])).json()["results"]
    assert len(viewer_list) == 2 and {o["pin"] for o in viewer_list} == {None}


def test_the_pin_is_sealed_at_rest_and_in_the_event_store(shop):
    order = completed(shop, shop["customer"])
    pin = order.pin()
    stored = Order.objects.values_list("pin_sealed", flat=True).get(pk=order.pk)
    assert pin not in stored and stored.startswith("fernet:")
    event = OutboxEvent.objects.get(type="order.pin_ready")
    assert pin not in str(event.data) and event.audience["sealed"] == ["pin"]
    assert event.audience["users"] == [shop["customer"].user_id] and "viewer" not in event.audience["roles"]


def test_the_operator_view_filters_shows_the_timeline_and_retries_and_cancels(api, shop):
    done = completed(shop, shop["customer"])
    old, _ = services.order_place(
        tenant=shop["package"].tenant,
        actor=shop["manager"].user,
        customer=shop["customer"].user,
        package=shop["package"],
        account="invalid-1",  # the simulated provider refuses it
        now=timezone.now() - timedelta(minutes=45),
    )
    fresh, _ = services.order_place(
        tenant=shop["package"].tenant,
        actor=shop["customer"].user,
        customer=shop["customer"].user,
        package=shop["package"],
        account="p",
    )
    auth = bearer(shop["manager"])
    stuck = api.get("/api/orders/?stuck_minutes=30", **auth).json()["results"]
    assert [o["id"] for o in stuck] == [old.pk]
    assert api.get("/api/orders/?stuck_minutes=0", **auth).status_code == 400
    by_status = api.get("/api/orders/?status=completed&status=created", **auth).json()["results"]
    assert {o["id"] for o in by_status} == {done.pk, old.pk, fresh.pk}
    assert (
        api.get(f"/api/orders/?provider={shop['provider'].pk}&status=completed", **auth).json()["results"][0]["id"]
        == done.pk
    )

    timeline = api.get(f"/api/orders/{done.pk}/timeline/", **auth).json()
    assert [(a["kind"], a["outcome"], a["status_after"]) for a in timeline] == [("dispatch", "completed", "completed")]
    assert timeline[0]["latency_ms"] is not None
    assert api.get(f"/api/orders/{done.pk}/timeline/", **bearer(shop["customer"])).status_code == 403

    services.dispatch(old.pk)  # refused by the provider
    retried = api.post(f"/api/orders/{old.pk}/retry/", **auth)
    assert retried.status_code == 200 and retried.json()["status"] == "created"
    assert api.post(f"/api/orders/{done.pk}/retry/", **auth).json()["error"]["code"] == "order_not_retryable"
    cancelled = api.post(f"/api/orders/{fresh.pk}/cancel/", **auth)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.post(f"/api/orders/{done.pk}/cancel/", **auth).json()["error"]["code"] == "order_not_cancellable"
    assert services.dispatch(fresh.pk) is None  # a cancelled order is never dispatched
    assert api.post(f"/api/orders/{fresh.pk}/cancel/", **bearer(shop["customer"])).status_code == 403


def test_providers_keep_secrets_write_only_and_validate_their_policy(api, tenant, admin):
    auth = bearer(admin)
    body = {
        "name": "Acme",
        "kind": "http",
        "base_url": "https://primary.example.com/api",
        "failover_url": "https://backup.example.com/api",
        "auth_token": "Bearer s3cr3t-token",
        "webhook_secret": "whsec-0123456789abcdef",
    }
    created = api.post("/api/orders/providers/", body, format="json", **auth)
    assert created.status_code == 201, created.json()
    shown = created.json()
    assert shown["auth_token_set"] and shown["webhook_enabled"] and "s3cr3t" not in str(shown)
    assert shown["webhook_path"] == f"/api/orders/webhooks/{shown['public_id']}/"
    stored = Provider.objects.get(pk=shown["id"])
    assert "s3cr3t" not in stored.auth_token_sealed and "0123456789" not in stored.webhook_secret_sealed
    cases = [
        ({"name": "B", "kind": "http"}, "base_url"),
        ({"name": "Acme", "kind": "simulated"}, "name"),
        (
            {"name": "C", "kind": "simulated", "backoff_base_seconds": 100, "backoff_cap_seconds": 50},
            "backoff_cap_seconds",
        ),
        (
            {"name": "D", "kind": "simulated", "simulation": {"error_rate": 0.8, "timeout_rate": 0.5}},
            "simulation.error_rate",
        ),
        ({"name": "E", "kind": "simulated", "simulation": {"failure_rate": 2}}, "simulation.failure_rate"),
        ({"name": "F", "kind": "simulated", "timeout_seconds": 0}, "timeout_seconds"),
        ({"name": "G", "kind": "simulated", "webhook_secret": "short"}, "webhook_secret"),
    ]
    for bad, field in cases:
        response = api.post("/api/orders/providers/", bad, format="json", **auth)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], (bad, response.json())
    assert Provider.objects.count() == 1


def test_a_provider_in_use_cannot_be_deleted(api, shop, admin):
    response = api.delete(f"/api/orders/providers/{shop['provider'].pk}/", **bearer(admin))
    assert response.status_code == 409 and response.json()["error"]["code"] == "provider_in_use"


def test_catalog_prices_are_exact_and_never_negative(api, shop):
    auth = bearer(shop["manager"])
    product = shop["package"].product_id
    base = {"product": product, "name": "X", "code": "x", "currency": "USD"}
    assert api.post("/api/orders/packages/", {**base, "price": "-1.00"}, format="json", **auth).status_code == 400
    assert api.post("/api/orders/packages/", {**base, "price": "1.001"}, format="json", **auth).status_code == 400
    assert (
        api.post("/api/orders/packages/", {**base, "price": "1", "currency": "usd"}, format="json", **auth).status_code
        == 400
    )
    ok = api.post("/api/orders/packages/", {**base, "price": "19.99"}, format="json", **auth)
    assert ok.status_code == 201 and ok.json()["price"] == "19.99"
    listed = api.get(f"/api/orders/products/{product}/", **bearer(shop["customer"])).json()
    assert [p["price"] for p in listed["packages"]] == ["4.99", "19.99"]
