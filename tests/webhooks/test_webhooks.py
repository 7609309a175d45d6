"""Outbound webhooks against a real HTTP receiver: registered by admins with a secret shown
once, refused for private addresses, delivered from the outbox signed as Standard Webhooks (the
standardwebhooks library verifies them), in order per endpoint, retried with backoff, stopped by
a 410 or a day of failures with an alarm, replayed on demand; PINs only where allowed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from core.roles import Role
from domains.alarms.models import Alarm
from domains.orders import services as orders
from domains.stock import services as stock
from domains.webhooks import services
from domains.webhooks.models import Delivery, Endpoint, Message
from realtime.fanout import fan_out
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, order_catalog, tenant_factory
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.django_db
ENDPOINTS = "/api/webhooks/endpoints/"


@pytest.fixture
def hook():  # type: ignore[no-untyped-def]
    with receiver() as r:
        yield r


def register(api, admin, url, types=("stock.product_changed",), **extra):  # type: ignore[no-untyped-def]
    made = api.post(ENDPOINTS, {"url": url, "event_types": list(types), **extra}, format="json", **bearer(admin))
    assert made.status_code == 201, made.content
    return made.json()


def product_changes(tenant, admin, n: int, name: str = "Rice"):  # type: ignore[no-untyped-def]
    """A product made and changed n times: n + 1 stock.product_changed events."""
    rice = stock.product_create(tenant=tenant, name=name, unit="g", minimum=Decimal(1), actor=admin.user)
    for k in range(n):
        stock.product_update(product=rice, minimum=Decimal(10 + k), actor=admin.user)
    fan_out()  # what the worker does after they commit: the endpoints' deliveries are queued
    return list(OutboxEvent.objects.filter(tenant=tenant, type="stock.product_changed").order_by("pk"))


def test_admins_register_endpoints_and_see_the_secret_once(api, tenant, admin, hook):
    body = register(api, admin, hook.url, description="Accounting")
    assert body["secret"].startswith("whsec_") and body["state"] == "active"
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] not in endpoint.secret_sealed  # stored sealed
    shown = api.get(f"{ENDPOINTS}{body['id']}/", **bearer(admin)).json()
    assert "secret" not in shown and shown["description"] == "Accounting"
    rotated = api.post(f"{ENDPOINTS}{body['id']}/rotate-secret/", **bearer(admin)).json()["secret"]
    assert rotated.startswith("whsec_") and rotated != body["secret"]
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    assert api.get(ENDPOINTS, **bearer(manager)).status_code == 403
    theirs = member_factory(tenant=tenant_factory(), role=Role.ADMIN)
    assert api.get(f"{ENDPOINTS}{body['id']}/", **bearer(theirs)).status_code == 404


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:8000/hook", "private_address"),
        ("http://10.1.2.3/hook", "private_address"),
        ("http://169.254.169.254/latest/meta-data/", "private_address"),
        ("http://[::1]/hook", "private_address"),
        ("http://[::ffff:127.0.0.1]/hook", "private_address"),
        ("http://localhost/hook", "private_address"),
        ("http://user:pw@8.8.8.8/hook", "credentials_in_url"),
        ("http://no-such-host.invalid/hook", "unresolvable_host"),
    ],
)
def test_private_and_unresolvable_receivers_are_refused(api, admin, settings, url, code):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # as in production
    answer = api.post(ENDPOINTS, {"url": url, "event_types": ["sale.recorded"]}, format="json", **bearer(admin))
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["url"][0]["code"] == code
    assert not Endpoint.objects.exists()


def test_bad_endpoints_get_a_400_naming_the_field(api, admin, hook):
    cases = [
        ({"url": hook.url, "event_types": ["no.such_event"]}, "event_types", "unknown_event_type"),
        ({"url": hook.url, "event_types": []}, "event_types", "min_length"),
        ({"url": "ftp://example.com/x", "event_types": ["sale.recorded"]}, "url", "invalid_scheme"),
        ({"url": "not a url", "event_types": ["sale.recorded"]}, "url", "invalid"),
        ({"url": hook.url, "event_types": ["sale.recorded"], "secret": "mine"}, "secret", "unknown_field"),
    ]
    for values, name, code in cases:
        answer = api.post(ENDPOINTS, values, format="json", **bearer(admin))
        assert answer.status_code == 400, values
        assert answer.json()["error"]["fields"][name][0]["code"] == code, answer.json()


def test_events_go_out_signed_in_order_once_each(api, tenant, admin, hook, django_capture_on_commit_callbacks):
    made = register(api, admin, hook.url)
    other = register(api, admin, hook.url, types=["stock.level_changed"])
    with django_capture_on_commit_callbacks(execute=True):
        events = product_changes(tenant, admin, 5)
    with pytest.raises(RuntimeError), transaction.atomic():  # a rolled-back change sends nothing
        product_changes(tenant, admin, 1, name="Flour")
        raise RuntimeError
    assert services.deliver_due(endpoint_id=made["id"]) == 6  # created, then five updates
    assert services.deliver_due(endpoint_id=other["id"]) == 0  # it wants other events
    verifier = Webhook(made["secret"])
    got = [verifier.verify(r.body, r.headers) for r in hook.requests]
    assert [g["id"] for g in got] == [str(e.event_id) for e in events]
    assert [r.headers["webhook-id"] for r in hook.requests] == [str(e.event_id) for e in events]
    assert [g["data"]["minimum"] for g in got][1:] == [f"{10 + k}.000" for k in range(5)]
    assert {g["type"] for g in got} == {"stock.product_changed"}
    assert services.deliver_due(endpoint_id=made["id"]) == 0  # nothing twice
    log = api.get("/api/webhooks/deliveries/", {"endpoint": made["id"]}, **bearer(admin)).json()["results"]
    assert [d["state"] for d in log] == ["delivered"] * 6
    (attempt,) = log[0]["attempt_log"]
    assert attempt["status_code"] == 200 and attempt["response"] == '{"ok": true}' and attempt["error"] == ""
    with pytest.raises(Exception):  # noqa: B017  (a signature made with another secret fails)
        Webhook("whsec_" + "A" * 32).verify(hook.requests[0].body, hook.requests[0].headers)


def test_a_failing_receiver_is_retried_with_backoff_and_holds_back_later_events(
    api, tenant, admin, hook, django_capture_on_commit_callbacks
):
    made = register(api, admin, hook.url)
    hook.answers = [503, 500]
    with django_capture_on_commit_callbacks(execute=True):
        events = product_changes(tenant, admin, 2)
    assert services.deliver_due(endpoint_id=made["id"]) == 1  # failed; the line waits
    first = Delivery.objects.filter(endpoint_id=made["id"]).order_by("pk").first()
    assert first.state == "pending" and first.attempts == 1
    assert timedelta(seconds=4) < first.next_attempt_at - timezone.now() < timedelta(seconds=6)
    assert services.deliver_due(endpoint_id=made["id"]) == 0  # not due yet: nothing skips ahead
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert services.deliver_due(endpoint_id=made["id"]) == 1  # 500 again: 30 s now
    first.refresh_from_db()
    assert timedelta(seconds=26) < first.next_attempt_at - timezone.now() < timedelta(seconds=34)
    assert Endpoint.objects.get(pk=made["id"]).state_reason == "retrying: HTTP 500"  # the latest problem
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert services.deliver_due(endpoint_id=made["id"]) == 3
    ids = [r.headers["webhook-id"] for r in hook.requests]
    assert ids == [str(events[0].event_id)] * 3 + [str(e.event_id) for e in events[1:]]
    assert Endpoint.objects.get(pk=made["id"]).state_reason == ""


def test_a_410_disables_the_endpoint_with_an_alarm_and_resuming_goes_on(
    api, tenant, admin, hook, django_capture_on_commit_callbacks
):
    made = register(api, admin, hook.url)
    hook.answers = [410]
    with django_capture_on_commit_callbacks(execute=True):
        product_changes(tenant, admin, 1)
        assert services.deliver_due(endpoint_id=made["id"]) == 1
    shown = api.get(f"{ENDPOINTS}{made['id']}/", **bearer(admin)).json()
    assert (shown["state"], shown["state_reason"]) == ("disabled", "the receiver answered 410 Gone")
    alarm = Alarm.objects.get(tenant=tenant, kind="webhook_failing")
    assert alarm.cleared_at is None and alarm.details["state"] == "disabled"
    assert OutboxEvent.objects.filter(type="alarm.webhook_failing").count() == 1
    assert services.deliver_due(endpoint_id=made["id"]) == 0  # disabled: nothing goes
    with django_capture_on_commit_callbacks(execute=True):
        resumed = api.patch(f"{ENDPOINTS}{made['id']}/", {"state": "active"}, format="json", **bearer(admin))
    assert resumed.status_code == 200 and resumed.json()["state"] == "active"
    alarm.refresh_from_db()
    assert alarm.cleared_at is not None
    assert services.deliver_due(endpoint_id=made["id"]) == 2  # the refused one first, in order
    assert Delivery.objects.filter(endpoint_id=made["id"], state="delivered").count() == 2


def test_a_day_of_failures_pauses_the_endpoint_and_fails_the_delivery(api, tenant, admin, hook):
    made = register(api, admin, hook.url)
    hook.answers = [502]
    product_changes(tenant, admin, 0)
    Delivery.objects.filter(endpoint_id=made["id"]).update(first_attempt_at=timezone.now() - timedelta(hours=24))
    assert services.deliver_due(endpoint_id=made["id"]) == 1
    delivery = Delivery.objects.get(endpoint_id=made["id"])
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    endpoint = Endpoint.objects.get(pk=made["id"])
    assert endpoint.state == "paused" and "24 hours" in endpoint.state_reason and "HTTP 502" in endpoint.state_reason
    assert Alarm.objects.get(tenant=tenant, kind="webhook_failing").details["state"] == "paused"


def test_a_dead_workers_lease_lapses_and_only_one_worker_sends_at_a_time(api, tenant, admin, hook):
    made = register(api, admin, hook.url)
    product_changes(tenant, admin, 0)
    Endpoint.objects.filter(pk=made["id"]).update(lease_until=timezone.now() + timedelta(seconds=20), lease_owner="x")
    assert services.deliver_due(endpoint_id=made["id"]) == 0  # a worker is on it
    assert services.due_endpoints() == []
    # that worker was killed mid-send: its lease lapses and the next one sends it
    Endpoint.objects.filter(pk=made["id"]).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.due_endpoints() == [made["id"]]
    assert services.deliver_due(endpoint_id=made["id"]) == 1
    assert Endpoint.objects.get(pk=made["id"]).lease_until is None


def test_replaying_one_delivery_and_a_time_range(api, tenant, admin, hook, django_capture_on_commit_callbacks):
    made = register(api, admin, hook.url)
    events = product_changes(tenant, admin, 2)
    services.deliver_due(endpoint_id=made["id"])
    first = Delivery.objects.filter(endpoint_id=made["id"]).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/webhooks/deliveries/{first.pk}/replay/", **bearer(admin))
    assert again.status_code == 202 and again.json()["replay_of"] == first.pk
    since = (events[0].occurred_at - timedelta(seconds=1)).isoformat()
    until = (timezone.now() + timedelta(seconds=1)).isoformat()
    ranged = api.post(
        f"{ENDPOINTS}{made['id']}/replay/", {"since": since, "until": until}, format="json", **bearer(admin)
    )
    assert ranged.status_code == 202 and ranged.json() == {"queued": 3}
    bad = api.post(f"{ENDPOINTS}{made['id']}/replay/", {"since": until, "until": since}, format="json", **bearer(admin))
    assert bad.status_code == 400 and "until" in bad.json()["error"]["fields"]
    assert services.deliver_due(endpoint_id=made["id"]) == 4
    ids = [r.headers["webhook-id"] for r in hook.requests]
    assert ids == [str(e.event_id) for e in events] + [str(events[0].event_id)] + [str(e.event_id) for e in events]


def test_a_pin_goes_only_to_an_endpoint_allowed_secrets(api, tenant, admin, django_capture_on_commit_callbacks):
    with receiver() as plain, receiver() as trusted:
        closed = register(api, admin, plain.url, types=["order.pin_ready"])
        opened = register(api, admin, trusted.url, types=["order.pin_ready"], with_secrets=True)
        _, package = order_catalog(tenant=tenant)
        order, _ = orders.order_place(
            tenant=tenant, actor=admin.user, customer=admin.user, package=package, account="p"
        )
        with django_capture_on_commit_callbacks(execute=True):
            orders.dispatch(order.pk)
        fan_out()
        services.deliver_due(endpoint_id=closed["id"])
        services.deliver_due(endpoint_id=opened["id"])
        (hidden,) = [json.loads(r.body) for r in plain.requests]
        (shown,) = [json.loads(r.body) for r in trusted.requests]
    order.refresh_from_db()
    assert hidden["data"]["pin"] is None and hidden["data"]["order_id"] == order.pk
    assert shown["data"]["pin"] and shown["data"]["pin"] == order.pin()
    assert shown["data"]["pin"] not in json.dumps(Message.objects.get(type="order.pin_ready").data)  # sealed at rest


def test_kicks_within_a_window_become_one_trailing_kick(monkeypatch):
    import time

    from domains.webhooks.services import queue

    sent: list[tuple[int, float]] = []
    kicker = queue.KICKER
    monkeypatch.setattr(kicker, "_send", lambda pk: sent.append((pk, time.monotonic())))
    monkeypatch.setattr(kicker, "kicked", {})
    began = time.monotonic()
    for _ in range(5):  # a burst of sales for endpoint 7
        queue.kick([7])
    assert [pk for pk, _at in sent] == [7]  # at once for the first
    time.sleep(kicker.every + 0.15)
    assert [pk for pk, _at in sent] == [7, 7]  # one more at the window's end, for the rest
    assert sent[1][1] - began < kicker.every + 0.1
