"""Signed webhooks, and the dispatch path through a real Dramatiq worker: under 2 s, duplicate
messages and the sweep never doubling an order."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from domains.orders import services
from domains.orders.models import Order, OrderStatus, WebhookReceipt
from domains.orders.providers.simulated import SimulatedProvider
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, order_catalog

SECRET = "whsec-test-0123456789"


@pytest.fixture
def pending(db, tenant):  # type: ignore[no-untyped-def]
    provider, package = order_catalog(tenant=tenant, simulation={"delay_seconds": 3600}, webhook_secret=SECRET)
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER)
    order, _ = services.order_place(
        tenant=tenant, actor=customer.user, customer=customer.user, package=package, account="p"
    )
    return services.dispatch(order.pk), provider, customer


def post(api, provider, payload, *, signature=None, secret=SECRET, at=None):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    signature = signature or services.sign_webhook(secret, body, at=at)
    return api.generic(
        "POST",
        f"/api/orders/webhooks/{provider.public_id}/",
        body,
        content_type="application/json",
        HTTP_X_OQIM_SIGNATURE=signature,
    )


def test_a_signed_webhook_completes_the_order_once_and_a_replay_changes_nothing(api, pending):
    order, provider, customer = pending
    payload = {"reference": order.provider_reference, "status": "completed", "pin": "WEB-HOOK-1234"}
    body = json.dumps(payload).encode()
    signature = services.sign_webhook(SECRET, body)
    first = post(api, provider, payload, signature=signature)
    assert first.status_code == 200 and first.json() == {"order_id": order.pk, "duplicate": False}
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.pin() == "WEB-HOOK-1234"
    assert order.next_action_at is None  # no more polling
    replay = post(api, provider, payload, signature=signature)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    # the PIN is sealed once: the event carries the order's own ciphertext, opened only for the frame
    (ready,) = OutboxEvent.objects.filter(type="order.pin_ready")
    assert ready.data["pin"] == order.pin_sealed and "WEB-HOOK-1234" not in json.dumps(ready.data)
    # a later, differently signed notice about the settled order is recorded and ignored
    post(api, provider, {**payload, "pin": "OTHER"}, at=timezone.now() + timedelta(seconds=1))
    order.refresh_from_db()
    assert order.pin() == "WEB-HOOK-1234"
    assert list(order.attempts.values_list("kind", "outcome")) == [
        ("dispatch", "accepted"),
        ("webhook", "completed"),
        ("webhook", "ignored"),
    ]
    visible = api.get(f"/api/orders/{order.pk}/", **bearer(customer)).json()
    assert visible["pin"] == "WEB-HOOK-1234"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"signature": "t=1,v1=00"}, 401, "stale_signature"),
        ({"signature": "nonsense"}, 401, "invalid_signature"),
        ({"secret": "whsec-wrong-0000000000"}, 401, "invalid_signature"),
        ({"at": timezone.now() - timedelta(minutes=6)}, 401, "stale_signature"),
    ],
)
def test_unsigned_stale_or_forged_webhooks_are_refused(api, pending, change, status, code):
    order, provider, _ = pending
    response = post(api, provider, {"reference": order.provider_reference, "status": "completed", "pin": "X"}, **change)
    assert response.status_code == status and response.json()["error"]["code"] == code
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and not WebhookReceipt.objects.exists()


def test_webhook_bodies_are_checked(api, pending):
    order, provider, _ = pending
    unknown = post(api, provider, {"reference": "NOPE", "status": "completed", "pin": "X"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "order_not_found"
    no_pin = post(api, provider, {"reference": order.provider_reference, "status": "completed"})
    assert no_pin.status_code == 400 and "pin" in no_pin.json()["error"]["fields"]
    bad = post(api, provider, {"reference": order.provider_reference, "status": "done"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    provider.webhook_secret_sealed = ""
    provider.save()
    assert post(api, provider, {"reference": order.provider_reference, "status": "failed"}).status_code == 404


def wait_for(predicate, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_a_placed_order_is_dispatched_by_the_worker_well_under_two_seconds(api, worker, tenant):
    _provider, package = order_catalog(tenant=tenant)
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER)
    started = time.monotonic()
    response = api.post("/api/orders/", {"package": package.pk, "account": "p"}, format="json", **bearer(customer))
    assert response.status_code == 201
    wait_for(lambda: Order.objects.get(pk=response.json()["id"]).status == OrderStatus.COMPLETED)
    assert time.monotonic() - started < 2


@pytest.mark.django_db(transaction=True)
def test_duplicate_messages_and_sweeps_never_dispatch_twice(worker, tenant):
    from domains.orders import tasks

    _provider, package = order_catalog(tenant=tenant, simulation={"delay_seconds": 3600})
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    orders = []
    for n in range(20):
        order, _ = services.order_place(
            tenant=tenant,
            actor=customer,
            customer=customer,
            package=package,
            account=f"p{n}",
            now=timezone.now() - timedelta(minutes=10),  # overdue: the sweep picks them too
        )
        orders.append(order)
    for order in orders:
        for _ in range(3):
            tasks.dispatch_order.send(order.pk)
    services.sweep()  # re-sends whatever the worker has not dispatched yet: more duplicates
    ids = [o.pk for o in orders]
    wait_for(lambda: not Order.objects.filter(pk__in=ids, status=OrderStatus.CREATED).exists())
    time.sleep(1)  # the 40 duplicate messages and the sweep's run out meanwhile (each is a no-op)
    store = SimulatedProvider({}).store
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.status == OrderStatus.PROCESSING or order.status == OrderStatus.DISPATCHED
        assert order.attempts.filter(kind="dispatch").count() == 1, list(order.attempts.values())
        assert store.get(order.provider_key) is not None
    assert services.sweep() == 0  # nothing overdue any more: checks are due in 60 s


@pytest.mark.django_db(transaction=True)
def test_work_leased_by_a_killed_worker_is_done_when_the_lease_ends_not_at_the_sweep(tenant, request):
    from domains.orders import tasks
    from workers.broker import broker

    _provider, package = order_catalog(tenant=tenant)
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    order, _ = services.order_place(tenant=tenant, actor=customer, customer=customer, package=package, account="x")
    broker.flush_all()  # no worker yet: drop the first dispatch, as a kill mid-call loses it
    # What that worker leaves: the lease it took, and its message, redelivered.
    Order.objects.filter(pk=order.pk).update(lease_until=timezone.now() + timedelta(seconds=2))
    tasks.dispatch_order.send(order.pk)
    request.getfixturevalue("worker")
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED, timeout=8)
