"""The Dramatiq broker for this process: RabbitMQ when ``BROKER_URL`` is ``amqp://...``, Redis
when ``REDIS_URL`` (or ``REDIS_SENTINELS``) is set, else in-memory.

The in-memory (stub) broker only reaches a worker in the same process; ``manage.py web``
runs one there in embedded mode (see ``workers.embedded``).
"""

from __future__ import annotations

from typing import Any

import dramatiq
from django.conf import settings
from django.db import close_old_connections
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware

from core import redis_connections


class DjangoConnections(Middleware):
    """Workers are long-lived threads: drop broken or expired DB connections around each message,
    as Django does around each request."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        close_old_connections()

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:  # type: ignore[no-untyped-def]
        close_old_connections()

    after_skip_message = after_process_message


def build_broker() -> dramatiq.Broker:
    if settings.BROKER_URL:  # an amqp:// URL (core.settings refuses anything else)
        # A consumer that dies hands its unacknowledged messages back at once (its connection
        # closes); confirmations make each send wait until RabbitMQ holds the message.
        new: dramatiq.Broker = RabbitmqBroker(url=settings.BROKER_URL, confirm_delivery=True)
    elif settings.REDIS_URL:
        client = redis_connections.client(socket_timeout=15, health_check_interval=30)
        # Messages a killed worker had fetched are requeued by "maintenance" once its heartbeat is
        # WORKER_HEARTBEAT_TIMEOUT_MS stale (dramatiq's default: 60 s, which held orders for
        # minutes). Every fetch and ack is a heartbeat, and each process has one idle consumer
        # per queue polling at least every second, so a live worker never goes quiet that long.
        # Maintenance runs on 20 % of commands (dramatiq: 0.1 %), so the requeue follows the
        # timeout within about a second; it is a sorted-set range read when no worker is dead.
        new = RedisBroker(
            client=client,
            namespace="oqim-tasks",
            heartbeat_timeout=settings.WORKER_HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=200_000,
        )
    else:
        new = StubBroker()
        new.emit_after("process_boot")
    new.add_middleware(DjangoConnections())
    return new


def broker_ping(target: dramatiq.Broker) -> bool:
    """Raise if the broker cannot take messages right now; False for the in-memory broker,
    which has nothing to ping."""
    if isinstance(target, RedisBroker):
        target.client.ping()
        return True
    if isinstance(target, RabbitmqBroker):
        # The thread's connection, opened (or reopened) on demand; raises while RabbitMQ is away.
        target.connection.process_data_events(time_limit=0)
        return True
    return False


def check_broker() -> str:
    """The readiness probe's "broker" check (``/ready/``)."""
    return "ok" if broker_ping(broker) else "embedded"


broker = build_broker()
dramatiq.set_broker(broker)
