"""Events reach the apps that follow them after the emitting transaction, exactly once, and an
event nobody follows costs its transaction nothing more (realtime.fanout)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from domains.notifications import services as notify
from domains.notifications.models import Notification
from domains.stock import services as stock
from domains.webhooks import services as webhooks
from domains.webhooks.models import Delivery
from realtime import fanout
from realtime.events import emit
from realtime.models import OutboxEvent

pytestmark = pytest.mark.django_db


def rename(tenant, admin, name: str) -> OutboxEvent:  # type: ignore[no-untyped-def]
    """Two ``stock.product_changed`` events (a product created, then changed); returns the last."""
    product = stock.product_create(tenant=tenant, name=name, unit="g", minimum=Decimal(1), actor=admin.user)
    stock.product_update(product=product, minimum=Decimal(2), actor=admin.user)
    return OutboxEvent.objects.filter(tenant=tenant, type="stock.product_changed").order_by("-pk").first()


def follow_sales(tenant, admin) -> None:  # type: ignore[no-untyped-def]
    """A webhook endpoint and a notification rule, both for events other than the stock's."""
    webhooks.endpoint_create(tenant=tenant, actor=admin.user, url="http://127.0.0.1:9/x", event_types=["sale.recorded"])
    notify.rule_save(tenant=tenant, name="Sales", event_types=["sale.recorded"], roles=["admin"], channels=["email"])


def queries_of_an_emit(tenant) -> list[str]:  # type: ignore[no-untyped-def]
    data = {"name": "Renamed", "timezone": "UTC"}
    fanout.wanted(tenant.pk, "organization.updated")  # the process's view of the followers, built once
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        emit(tenant_id=tenant.pk, type="organization.updated", data=data)
    return [q["sql"] for q in captured.captured_queries]


def test_an_event_nobody_follows_costs_its_transaction_nothing_more(tenant, admin):
    # given the same emit before and after webhooks and notification rules exist for other events
    before = queries_of_an_emit(tenant)
    follow_sales(tenant, admin)
    after = queries_of_an_emit(tenant)
    # then the emitting transaction runs the same statements: no lookup of endpoints or rules
    assert len(after) == len(before)
    assert not any("webhooks_" in sql or "notifications_" in sql for sql in after)
    assert not OutboxEvent.objects.filter(type="organization.updated", fanout=True).exists()


def test_a_followed_event_is_marked_and_handed_over_once_however_often_the_job_runs(tenant, admin):
    # given an endpoint and a rule following stock.product_changed
    webhooks.endpoint_create(
        tenant=tenant, actor=admin.user, url="http://127.0.0.1:9/x", event_types=["stock.product_changed"]
    )
    admin.user.email = "boss@example.com"
    admin.user.save()
    notify.rule_save(
        tenant=tenant, name="Products", event_types=["stock.product_changed"], roles=["admin"], channels=["email"]
    )
    # when a product changes: the events are marked, and nothing is queued in their transaction
    event = rename(tenant, admin, "Rice")
    assert event.fanout and not Delivery.objects.exists() and not Notification.objects.exists()
    # then the fan-out queues them; running it again (a kick and the sweep racing) adds nothing
    assert fanout.fan_out() == 2
    assert fanout.fan_out() == 0
    assert Delivery.objects.filter(message__event_id=event.event_id).count() == 1
    assert Notification.objects.filter(event_id=event.event_id, channel="email").count() == 1
    assert not OutboxEvent.objects.filter(fanout=True).exists()


def test_a_follower_that_fails_leaves_the_batch_marked_for_the_next_run(tenant, admin, monkeypatch):
    webhooks.endpoint_create(
        tenant=tenant, actor=admin.user, url="http://127.0.0.1:9/x", event_types=["stock.product_changed"]
    )
    event = rename(tenant, admin, "Milk")

    def broken(rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("the follower's database call failed")

    monkeypatch.setitem(fanout.FOLLOWERS, "broken", fanout.Follower("broken", wants=lambda: [], handle=broken))
    with pytest.raises(RuntimeError):
        fanout.fan_out()
    # nothing half-written: no follower kept its rows, every event is still marked
    assert not Delivery.objects.exists()
    assert OutboxEvent.objects.get(pk=event.pk).fanout
    monkeypatch.delitem(fanout.FOLLOWERS, "broken")
    assert fanout.fan_out() == 2
    assert Delivery.objects.filter(message__event_id=event.event_id).count() == 1


def test_a_rolled_back_event_is_never_handed_over(tenant, admin):
    webhooks.endpoint_create(
        tenant=tenant, actor=admin.user, url="http://127.0.0.1:9/x", event_types=["stock.product_changed"]
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        rename(tenant, admin, "Flour")
        raise RuntimeError
    assert fanout.fan_out() == 0 and not Delivery.objects.exists()


def test_a_new_subscription_is_seen_at_once_by_the_process_that_made_it(tenant, admin):
    assert not fanout.wanted(tenant.pk, "sale.recorded")
    follow_sales(tenant, admin)
    assert fanout.wanted(tenant.pk, "sale.recorded")
    assert not fanout.wanted(tenant.pk, "stock.product_changed")


@pytest.mark.django_db(transaction=True)
def test_a_process_hands_its_own_commits_over_at_once_in_a_thread_of_its_own(tenant, admin, settings):
    # given a process that fans out in its own thread (production's default)
    settings.REALTIME_FANOUT_IN_PROCESS = True
    webhooks.endpoint_create(
        tenant=tenant, actor=admin.user, url="http://127.0.0.1:9/x", event_types=["stock.product_changed"]
    )
    # when a followed event commits (and nothing calls fan_out, and no worker runs)
    event = rename(tenant, admin, "Sugar")
    # then its delivery is queued within moments
    deadline = time.monotonic() + 5
    while not Delivery.objects.filter(message__event_id=event.event_id).exists():
        assert time.monotonic() < deadline, "the process's fan-out thread never handed the event over"
        time.sleep(0.05)
    assert not OutboxEvent.objects.filter(pk=event.pk, fanout=True).exists()
