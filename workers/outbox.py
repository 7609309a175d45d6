"""Enqueue through the database: a job a transaction asks for is never lost to a crash.

``transaction.on_commit(actor.send)`` loses the job when the process dies between the commit
and the send (a kill -9, a deploy): the change is there, its follow-up never comes, and only a
slow sweep notices. Here the job is a ``PendingJob`` row written in the same transaction; after
commit it is sent and the row deleted; rows still there ``JOB_RELAY_AFTER_SECONDS`` later (the
process died, the broker was down) are sent by ``workers.relay_jobs`` every two seconds.

Delivery is at least once: a crash after the send and before the delete sends the job again,
so jobs must tolerate a repeat (orders claim their work; docs/orders.md). The relay is one of
the users of ``workers.delivery``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import dramatiq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.logging import retried
from workers import delivery
from workers.models import PendingJob

logger = logging.getLogger(__name__)


def enqueue(actor: dramatiq.Actor | str, *args: Any, delay_seconds: float = 0.0) -> None:
    """Send ``actor(*args)`` after the current transaction commits, durably (see above).
    Outside a transaction the row commits at once and the send follows it.

    ``actor`` may be the actor's name, so a service can ask for a job without importing the
    module that defines the actor (which imports the service)."""
    now = timezone.now()
    name = actor if isinstance(actor, str) else actor.actor_name
    due_at = now + timedelta(seconds=max(delay_seconds, 0.0))
    job = PendingJob.objects.create(actor_name=name, args=list(args), due_at=due_at)
    transaction.on_commit(lambda: _send_and_forget(job))


def _send(job: PendingJob) -> None:
    actor = dramatiq.get_broker().get_actor(job.actor_name)
    delay_ms = int((job.due_at - timezone.now()).total_seconds() * 1000)
    actor.send_with_options(args=tuple(job.args), delay=delay_ms if delay_ms > 0 else None)


def _send_and_forget(job: PendingJob) -> None:
    try:
        _send(job)
    except Exception as failure:  # the broker is down: the relay sends it once it is back
        retried(logger, "job send failed; the relay will retry", failure, actor=job.actor_name)
        return
    PendingJob.objects.filter(pk=job.pk).delete()


def relay_pending(*, min_age_seconds: float | None = None, batch: int = 500) -> int:
    """Send the jobs whose after-commit send never happened; returns how many were sent.
    Concurrent relays split the rows (``workers.delivery.drain``); a broker error leaves the
    batch for the next run."""
    age = settings.JOB_RELAY_AFTER_SECONDS if min_age_seconds is None else min_age_seconds
    left = PendingJob.objects.filter(created_at__lte=timezone.now() - timedelta(seconds=age))
    sent = delivery.drain(left, _send_batch, batch=batch, failing=FAILING)
    if sent:
        logger.warning("relay sent jobs whose after-commit send never happened", extra={"sent": sent})
    return sent


FAILING = delivery.Failing("workers.job_outbox", after=3)


def _send_batch(rows: Sequence[PendingJob]) -> None:
    for job in rows:
        _send(job)  # a broker error aborts the batch; the rows stay for the next run
    PendingJob.objects.filter(pk__in=[job.pk for job in rows]).delete()
