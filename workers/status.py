"""What the operations page shows of the background side: queues, live workers, the job outbox
and the scheduler's leader lock. Read-only, cheap (a few Redis reads and one aggregate)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

from core import redis_connections
from workers.broker import broker
from workers.models import PendingJob

LEADER_KEY = "oqim:scheduler:leader"


def _queues_redis(target: RedisBroker) -> tuple[list[dict[str, Any]], int | None, int | None]:
    client, ns = target.client, target.namespace
    queues = [
        {"name": name, "messages": client.hlen(f"{ns}:{name}.msgs"), "delayed": client.hlen(f"{ns}:{name}.DQ.msgs")}
        for name in sorted(q for q in target.get_declared_queues() if not q.endswith(".DQ"))
    ]
    now_ms = int(time.time() * 1000)
    workers = client.zcount(f"{ns}:__heartbeats__", now_ms - target.heartbeat_timeout, "+inf")
    # The scheduler takes its lock on the same Redis (workers.scheduler.RedisLeadership).
    leader_ttl = client.pttl(LEADER_KEY)
    return queues, workers, leader_ttl if leader_ttl >= 0 else None


def _queues_rabbitmq(target: RabbitmqBroker) -> tuple[list[dict[str, Any]], int | None, int | None]:
    queues, consumers = [], 0
    for name in sorted(q for q in target.get_declared_queues() if not q.endswith(".DQ")):
        ready, delayed, _dead = target.get_queue_message_counts(name)
        queues.append({"name": name, "messages": ready, "delayed": delayed})
        declared = target.channel.queue_declare(queue=name, passive=True)
        consumers = max(consumers, declared.method.consumer_count)  # one per worker process and queue
    leader_ttl = redis_connections.client().pttl(LEADER_KEY)
    return queues, consumers, leader_ttl if leader_ttl >= 0 else None


def _queues_embedded() -> list[dict[str, Any]]:
    queues = getattr(broker, "queues", {})
    delayed = {name[:-3]: queue.qsize() for name, queue in queues.items() if name.endswith(".DQ")}
    return [
        {"name": name, "messages": queue.qsize(), "delayed": delayed.get(name, 0)}
        for name, queue in sorted(queues.items())
        if not name.endswith(".DQ")
    ]


def worker_status() -> dict[str, Any]:
    pending = PendingJob.objects.aggregate(count=Count("id"), oldest=Min("created_at"))
    oldest = pending["oldest"]
    status: dict[str, Any] = {
        "mode": "embedded" if settings.EMBEDDED else "services",
        "jobs_pending": pending["count"],
        "jobs_oldest_age_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0,
    }
    if isinstance(broker, RedisBroker):
        queues, workers, leader_ttl = _queues_redis(broker)
        status.update(queues=queues, workers=workers, scheduler_leader_ttl_ms=leader_ttl)
    elif isinstance(broker, RabbitmqBroker):
        queues, workers, leader_ttl = _queues_rabbitmq(broker)
        status.update(queues=queues, workers=workers, scheduler_leader_ttl_ms=leader_ttl)
    else:
        # Embedded: one worker thread and one scheduler thread inside the web process.
        status.update(queues=_queues_embedded(), workers=None, scheduler_leader_ttl_ms=None)
    return status
