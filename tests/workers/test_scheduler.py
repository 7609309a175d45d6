from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from workers.registry import PeriodicJob
from workers.scheduler import LocalLeadership, RedisLeadership, Scheduler


@dataclass
class RecordingActor:
    """Stands in for a Dramatiq actor: the scheduler's only call on it is ``send()``."""

    actor_name: str = "test.job"
    sent: list[int] = field(default_factory=list)

    def send(self) -> None:
        self.sent.append(1)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_job_fires_on_its_crontab_once_per_firing():
    clock = Clock(datetime(2026, 1, 31, 23, 58, tzinfo=UTC))
    actor = RecordingActor()
    scheduler = Scheduler(
        [PeriodicJob(name="monthly", actor=actor, cron="0 0 1 * *")], leadership=LocalLeadership(), now=clock
    )
    # when / then: nothing before midnight of the 1st
    assert scheduler.tick() == []
    clock.now += timedelta(minutes=2)
    assert scheduler.tick() == ["monthly"]
    assert scheduler.tick() == []  # the same firing is not sent twice
    clock.now += timedelta(days=27)
    assert scheduler.tick() == []
    clock.now = datetime(2026, 3, 1, 0, 0, 5, tzinfo=UTC)
    assert scheduler.tick() == ["monthly"]
    assert len(actor.sent) == 2


def test_a_scheduler_that_was_down_sends_a_missed_firing_once_not_a_backlog():
    clock = Clock(datetime(2026, 5, 1, 10, 0, tzinfo=UTC))
    actor = RecordingActor()
    scheduler = Scheduler(
        [PeriodicJob(name="every5", actor=actor, cron="*/5 * * * *")], leadership=LocalLeadership(), now=clock
    )
    clock.now += timedelta(hours=1)  # e.g. the process was paused
    assert scheduler.tick() == ["every5"]
    assert scheduler.tick() == []
    assert len(actor.sent) == 1


@pytest.mark.services
def test_only_one_of_several_redis_schedulers_leads_and_a_firing_is_sent_once():
    namespace = f"oqim-test:{uuid.uuid4().hex}"
    first = RedisLeadership(ttl_seconds=2, namespace=namespace)
    second = RedisLeadership(ttl_seconds=2, namespace=namespace)
    try:
        # when
        leaders = [first.hold(), second.hold()]
        # then
        assert leaders == [True, False]
        assert first.claim_firing("job:1") is True
        assert second.claim_firing("job:1") is False
        # the leader stops: the other takes over
        first.release()
        assert second.hold() is True
        assert first.hold() is False
    finally:
        first.release()
        second.release()
        first.client.delete(*first.client.keys(f"{namespace}:*") or ["-"])
