"""The polling policy with a fake clock: exact steps, the deadline, provider errors, the alarm.
No sleeping: every service call is told what time it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.roles import Role
from domains.alarms.models import Alarm
from domains.orders import policy, services
from domains.orders.models import AttemptKind, FailureReason, Order, OrderStatus, Outcome
from domains.orders.providers import simulated
from domains.orders.providers.base import Answer, ProviderUnavailable
from realtime.models import OutboxEvent
from tests.factories import member_factory, order_catalog

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def at(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


def place(tenant, package, customer, *, now: datetime = T0) -> Order:  # type: ignore[no-untyped-def]
    order, _ = services.order_place(
        tenant=tenant, actor=customer, customer=customer, package=package, account="player-1", now=now
    )
    return order


@pytest.fixture
def slow(tenant):  # type: ignore[no-untyped-def]
    """A provider that accepts everything and completes nothing within the test's day."""
    provider, package = order_catalog(
        tenant=tenant,
        simulation={"delay_seconds": 10**7, "failure_rate": 0, "error_rate": 0, "timeout_rate": 0},
    )
    return provider, package, member_factory(tenant=tenant, role=Role.CUSTOMER).user


def test_the_back_off_steps_are_exact_and_capped():
    class P:
        first_check_seconds, backoff_base_seconds, backoff_cap_seconds, dispatch_retry_seconds = 60, 30, 600, 5

    assert [policy.check_delay(P, n) for n in range(9)] == [60, 30, 60, 120, 240, 480, 600, 600, 600]
    assert [policy.dispatch_delay(P, n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert policy.check_delay(P, 10_000) == 600


def test_checks_follow_the_policy_until_the_deadline_then_the_order_fails_with_timeout(tenant, slow):
    _provider, package, customer = slow
    clock = Clock()
    order = place(tenant, package, customer)
    order = services.dispatch(order.pk, now=clock.now)
    assert order.status == OrderStatus.DISPATCHED and order.provider_reference
    assert order.next_action_at == T0 + timedelta(seconds=60)

    gaps = []
    while True:
        due = Order.objects.get(pk=order.pk).next_action_at
        if due is None:
            break
        assert services.check(order.pk, now=due - timedelta(seconds=30)) is None  # not due yet: nothing happens
        checked = services.check(order.pk, now=clock.at(due))
        if checked.next_action_at is not None:
            gaps.append(int((checked.next_action_at - due).total_seconds()))
    assert gaps[:7] == [30, 60, 120, 240, 480, 600, 600]
    assert set(gaps[6:-1]) == {600}
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.FAILED and order.failure_reason == FailureReason.TIMEOUT
    assert clock.now == order.deadline_at == T0 + timedelta(hours=24)  # the last check was at the deadline
    # one check per step: 60 s, then 30 .. 600 s steps, then 600 s steps to the deadline
    assert order.checks == len(gaps) + 1
    failed = OutboxEvent.objects.filter(type="order.status_changed").order_by("id").last()
    assert failed.data["status"] == "failed" and failed.data["reason"] == "timeout"
    assert failed.audience["users"] == [customer.pk]  # the customer hears it live


def test_the_policy_is_per_provider(tenant, slow):
    provider, package, customer = slow
    services.provider_update(provider=provider, first_check_seconds=5, backoff_base_seconds=2, backoff_cap_seconds=8)
    order = place(tenant, package, customer)
    services.dispatch(order.pk, now=T0)
    due, gaps = T0 + timedelta(seconds=5), []
    for _ in range(5):
        nxt = services.check(order.pk, now=due).next_action_at
        gaps.append(int((nxt - due).total_seconds()))
        due = nxt
    assert gaps == [2, 4, 8, 8, 8]


def test_a_provider_down_for_an_hour_costs_no_order_it_later_fulfils(tenant, slow, monkeypatch):
    provider, package, customer = slow
    services.provider_update(provider=provider, simulation={**provider.simulation, "delay_seconds": 0})
    order = place(tenant, package, customer)
    down = True
    real_submit = simulated.SimulatedProvider.submit

    def submit(self, request):  # type: ignore[no-untyped-def]
        if down:
            raise ProviderUnavailable("HTTP 503", http_status=503)
        return real_submit(self, request)

    monkeypatch.setattr(simulated.SimulatedProvider, "submit", submit)
    now, attempts = T0, 0
    while now < T0 + timedelta(hours=1):
        assert services.dispatch(order.pk, now=now).status == OrderStatus.CREATED
        attempts += 1
        now = Order.objects.get(pk=order.pk).next_action_at
    assert attempts >= 10  # retried all along, doubling from 5 s to the 600 s cap
    down = False
    order = services.dispatch(order.pk, now=now)
    assert order.status == OrderStatus.COMPLETED and order.pin()
    kinds = list(order.attempts.values_list("outcome", flat=True))
    assert kinds.count(Outcome.ERROR) == attempts and kinds[-1] == Outcome.COMPLETED


def test_twenty_consecutive_provider_errors_raise_one_alarm_and_polling_goes_on(tenant, slow, monkeypatch):
    provider, package, customer = slow
    order = place(tenant, package, customer)
    services.dispatch(order.pk, now=T0)

    def fail(self, *, key, reference):  # type: ignore[no-untyped-def]
        raise ProviderUnavailable("HTTP 502", http_status=502)

    monkeypatch.setattr(simulated.SimulatedProvider, "status", fail)
    for _ in range(45):
        due = Order.objects.get(pk=order.pk).next_action_at
        services.check(order.pk, now=due)
    alarms = Alarm.objects.filter(tenant=tenant, kind="provider_errors")
    assert alarms.count() == 1
    assert alarms.get().details["consecutive_errors"] == 40  # refreshed at every 20 more, never a second alarm
    event = OutboxEvent.objects.get(type="alarm.provider_errors")
    assert event.data["consecutive_errors"] == 20 and event.data["provider_id"] == provider.pk
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.DISPATCHED and order.consecutive_errors == 45  # still polling
    # the provider answers again: the outage ends, the next one is a new alarm
    monkeypatch.undo()
    services.check(order.pk, now=Order.objects.get(pk=order.pk).next_action_at)
    provider.refresh_from_db()
    assert provider.consecutive_errors == 0 and provider.failing_since is None


def test_a_provider_failure_or_refusal_ends_the_order_with_its_reason(tenant, slow, monkeypatch):
    _provider, package, customer = slow
    order = place(tenant, package, customer)
    services.dispatch(order.pk, now=T0)
    monkeypatch.setattr(
        simulated.SimulatedProvider,
        "status",
        lambda self, *, key, reference: Answer(status="failed", reference=reference, reason="card declined"),
    )
    order = services.check(order.pk, now=T0 + timedelta(seconds=60))
    assert (order.status, order.failure_reason, order.failure_message) == ("failed", "provider_failed", "card declined")
    assert order.next_action_at is None

    refused = services.order_place(
        tenant=tenant, actor=customer, customer=customer, package=package, account="invalid-42", now=T0
    )[0]
    refused = services.dispatch(refused.pk, now=T0)
    assert refused.status == OrderStatus.FAILED and refused.failure_reason == FailureReason.REJECTED
    assert refused.attempts.get().kind == AttemptKind.DISPATCH


def test_an_order_whose_dispatch_never_succeeds_fails_at_its_deadline(tenant, slow, monkeypatch):
    _provider, package, customer = slow
    order = place(tenant, package, customer)
    monkeypatch.setattr(
        simulated.SimulatedProvider, "submit", lambda self, request: (_ for _ in ()).throw(ProviderUnavailable("x"))
    )
    now = T0
    while (order := services.dispatch(order.pk, now=now)).status == OrderStatus.CREATED:
        now = order.next_action_at
    assert order.status == OrderStatus.FAILED and order.failure_reason == FailureReason.TIMEOUT
    assert now == order.deadline_at
