"""Run a Dramatiq worker for every actor of every app, stopping gracefully on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import threading

import dramatiq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workers.broker import broker
from workers.registry import discover_actors
from workers.stopping import StopSignal

logger = logging.getLogger("oqim.worker")


class Command(BaseCommand):
    help = "Run the background worker (needs REDIS_URL; embedded mode runs it inside `web`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=settings.WORKER_THREADS)
        parser.add_argument("--queues", nargs="*", help="Only consume these queues (default: all).")

    def handle(self, *args: object, threads: int, queues: list[str] | None, **options: object) -> None:
        if settings.EMBEDDED:
            raise CommandError(
                "The worker needs REDIS_URL: in embedded mode the broker is in-memory and the worker "
                "runs inside `manage.py web`."
            )
        discover_actors()
        stop = StopSignal()
        worker = dramatiq.Worker(
            broker,
            queues=set(queues) if queues else None,
            worker_threads=threads,
            worker_timeout=settings.WORKER_IDLE_POLL_MS,
        )
        worker.start()
        logger.info("worker ready", extra={"threads": threads, "queues": sorted(broker.get_declared_queues())})
        self.stdout.write(f"Oqim worker ready ({threads} threads). Stop with SIGTERM or Ctrl-C.\n")
        self.stdout.flush()
        stop.wait()
        timeout_ms = settings.WORKER_SHUTDOWN_TIMEOUT_MS
        logger.info("worker stopping", extra={"timeout_ms": timeout_ms})
        # dramatiq waits up to the timeout for the worker threads and then again for the
        # consumers; one deadline for both keeps the promise the setting makes. A message still
        # running past it was never acked, so another worker gets it once this heartbeat is stale.
        stopper = threading.Thread(target=worker.stop, kwargs={"timeout": timeout_ms}, daemon=True)
        stopper.start()
        stopper.join(timeout_ms / 1000)
        if stopper.is_alive():
            logger.warning("worker stop timed out; unfinished messages will be redelivered")
            return
        broker.close()
        logger.info("worker stopped")
