"""The durable-delivery mechanism every outbox-like line uses (workers.delivery): backoff and
give-up, a failing subject told once, leases that lapse when their worker dies, and draining a
table in order, all or nothing per batch."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from domains.webhooks.models import Endpoint
from workers import delivery
from workers.models import PendingJob


def test_backoff_follows_its_schedule_with_jitter_and_gives_up():
    backoff = delivery.Backoff(schedule=(5, 30), jitter=0.1, give_up_after=timedelta(hours=1))
    now = timezone.now()
    first = backoff.next_attempt(attempts=1, first_attempt_at=now, now=now)
    assert timedelta(seconds=4.5) <= first - now <= timedelta(seconds=5.5)
    second = backoff.next_attempt(attempts=2, first_attempt_at=now, now=now)
    assert timedelta(seconds=27) <= second - now <= timedelta(seconds=33)
    assert backoff.next_attempt(attempts=3, first_attempt_at=now, now=now) is None  # schedule used up
    late = now + timedelta(hours=1)
    assert backoff.next_attempt(attempts=1, first_attempt_at=now, now=late) is None  # past give_up_after
    honoured = backoff.next_attempt(attempts=1, first_attempt_at=now, retry_after=120, now=now)
    assert honoured - now == timedelta(seconds=120)  # the receiver's own wish, when longer


def test_a_failing_subject_is_told_once_and_once_again_when_it_works():
    told: list[tuple[str, str, str]] = []
    failing = delivery.Failing(
        "test.channel",
        after=3,
        on_failing=lambda subject, error: told.append(("failing", subject, error)),
        on_recovered=lambda subject, error: told.append(("recovered", subject, error)),
    )
    for n in range(5):
        failing.failed("7:sms", f"HTTP 50{n}")
    failing.failed("8:sms", "HTTP 500")  # another subject counts on its own
    failing.succeeded("7:sms")
    failing.succeeded("7:sms")
    failing.succeeded("8:sms")  # below the threshold: nothing to take back
    assert told == [("failing", "7:sms", "HTTP 502"), ("recovered", "7:sms", "")]


@pytest.mark.django_db(transaction=True)
def test_a_lease_keeps_others_off_is_renewed_while_held_and_lapses_when_its_worker_dies(tenant, admin):
    endpoint = Endpoint.objects.create(
        tenant=tenant, url="http://127.0.0.1:9/", secret_sealed="x", created_by=admin.user
    )
    held = delivery.Lease(Endpoint, endpoint.pk, seconds=1.0, renew_every=0.2)
    assert held.take()
    time.sleep(1.5)  # longer than the lease: only the renewals keep it
    other = delivery.Lease(Endpoint, endpoint.pk, seconds=1.0)
    assert not other.take() and not held.lost
    held.release()
    assert other.take()
    other.done.set()  # its worker is killed: no more renewals, no release
    other.thread.join()
    Endpoint.objects.filter(pk=endpoint.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    third = delivery.Lease(Endpoint, endpoint.pk, seconds=1.0)
    assert third.take()
    third.release()


@pytest.mark.django_db
def test_drain_hands_rows_over_in_id_order_a_batch_at_a_time_all_or_nothing():
    due = timezone.now()
    PendingJob.objects.bulk_create(PendingJob(actor_name=f"job.{n}", args=[n], due_at=due) for n in range(7))
    seen: list[list[int]] = []

    def handle(rows):  # type: ignore[no-untyped-def]
        seen.append([row.args[0] for row in rows])
        PendingJob.objects.filter(pk__in=[row.pk for row in rows]).delete()

    assert delivery.drain(PendingJob.objects.all(), handle, batch=3) == 7
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]

    PendingJob.objects.bulk_create(PendingJob(actor_name="job.x", args=[n], due_at=due) for n in range(2))

    def broken(rows):  # type: ignore[no-untyped-def]
        PendingJob.objects.filter(pk__in=[row.pk for row in rows]).delete()
        raise ConnectionError("the broker is away")

    failing = delivery.Failing("test.drain", after=1, on_failing=lambda s, e: seen.append([-1]))
    with pytest.raises(ConnectionError):
        delivery.drain(PendingJob.objects.all(), broken, failing=failing)
    assert PendingJob.objects.count() == 2  # the batch rolled back: nothing lost
    assert seen[-1] == [-1]


@pytest.mark.django_db
def test_a_handler_may_stop_a_drain_and_keep_what_it_did():
    PendingJob.objects.bulk_create(PendingJob(actor_name="job", args=[n], due_at=timezone.now()) for n in range(4))

    def first_only(rows):  # type: ignore[no-untyped-def]
        PendingJob.objects.filter(pk=rows[0].pk).delete()
        raise delivery.Stop

    delivery.drain(PendingJob.objects.all(), first_only, batch=2)
    assert PendingJob.objects.count() == 3  # its work committed, and no second batch began
