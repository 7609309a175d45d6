"""Periodic jobs: sends each registered actor on its crontab, from exactly one process.

Several scheduler processes may run (rolling deploys, replicas); a Redis lock elects one leader,
renewed every few seconds and taken over when it lapses. Each firing is also claimed with its
own key, so even two leaders overlapping across a lock expiry send a given firing once.
In embedded mode the scheduler is a thread of the web process and needs no lock.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings

from core import redis_connections
from workers.registry import PERIODIC_JOBS, PeriodicJob, discover_actors

logger = logging.getLogger(__name__)


class LocalLeadership:
    """Embedded mode: this process is the only scheduler."""

    def __init__(self) -> None:
        self._fired: set[str] = set()

    def hold(self) -> bool:
        return True

    def claim_firing(self, key: str) -> bool:
        if key in self._fired:
            return False
        self._fired.add(key)
        return True

    def release(self) -> None:
        pass


class RedisLeadership:
    """Leader lock (SET NX PX with owner-checked renewal, via redis-py's Lock) plus firing claims."""

    def __init__(self, *, ttl_seconds: int, namespace: str = "oqim:scheduler") -> None:
        self.client = redis_connections.client()
        self.namespace = namespace
        self.ttl = ttl_seconds
        self.lock = self.client.lock(f"{namespace}:leader", timeout=ttl_seconds, thread_local=False)
        self.leading = False

    def hold(self) -> bool:
        import redis

        try:
            if self.leading and self.lock.owned():
                self.lock.extend(self.ttl, replace_ttl=True)
            else:
                self.leading = self.lock.acquire(blocking=False)
                if self.leading:
                    logger.info("scheduler became leader", extra={"ttl_seconds": self.ttl})
        except (redis.RedisError, redis.exceptions.LockError) as exc:
            if self.leading:
                logger.warning("scheduler lost leadership", extra={"error": type(exc).__name__})
            self.leading = False
        return self.leading

    def claim_firing(self, key: str) -> bool:
        return bool(self.client.set(f"{self.namespace}:fired:{key}", "1", nx=True, ex=24 * 3600))

    def release(self) -> None:
        import redis

        if self.leading:
            with contextlib.suppress(redis.RedisError, redis.exceptions.LockError):
                self.lock.release()
            self.leading = False


def _trigger(job: PeriodicJob) -> CronTrigger:
    minute, hour, day, month, day_of_week = job.cron.split()
    return CronTrigger(
        second=job.second, minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=UTC
    )


class Scheduler:
    def __init__(
        self,
        jobs: Iterable[PeriodicJob],
        *,
        leadership: LocalLeadership | RedisLeadership,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.jobs = list(jobs)
        self.leadership = leadership
        self.now = now
        self.triggers = {job.name: _trigger(job) for job in self.jobs}
        start = self.now()
        self.next_fire: dict[str, datetime] = {
            job.name: self.triggers[job.name].get_next_fire_time(None, start) for job in self.jobs
        }

    def tick(self) -> list[str]:
        """Send every job that is due; returns their names. Only the leader sends."""
        sent: list[str] = []
        if not self.leadership.hold():
            return sent
        current = self.now()
        for job in self.jobs:
            due = self.next_fire[job.name]
            if due is None or due > current:
                continue
            if self.leadership.claim_firing(f"{job.name}:{int(due.timestamp())}"):
                job.actor.send()
                sent.append(job.name)
                # Sub-minute jobs (the outbox relay) would drown the log at INFO.
                level = logging.INFO if job.second == "0" else logging.DEBUG
                logger.log(level, "periodic job sent", extra={"job": job.name, "due": due.isoformat()})
            # Missed firings while down are not replayed one by one: the next is after now.
            self.next_fire[job.name] = self.triggers[job.name].get_next_fire_time(None, current + timedelta(seconds=1))
        return sent

    def run(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        logger.info("scheduler running", extra={"jobs": [job.name for job in self.jobs]})
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("scheduler tick failed")
                stop.wait(interval)
        finally:
            self.leadership.release()
            logger.info("scheduler stopped")


def build_scheduler() -> Scheduler:
    discover_actors()
    leadership: LocalLeadership | RedisLeadership
    if settings.REDIS_URL:
        leadership = RedisLeadership(ttl_seconds=settings.SCHEDULER_LOCK_TTL_SECONDS)
    else:
        leadership = LocalLeadership()
    return Scheduler(PERIODIC_JOBS.values(), leadership=leadership)
