"""Run a Dramatiq worker for every actor of every app, stopping gracefully on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading

import dramatiq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        from workers.broker import broker
        from workers.registry import discover_actors

        discover_actors()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

        worker = dramatiq.Worker(broker, queues=set(queues) if queues else None, worker_threads=threads)
        worker.start()
        logger.info("worker ready", extra={"threads": threads, "queues": sorted(broker.get_declared_queues())})
        self.stdout.write(f"Oqim worker ready ({threads} threads). Stop with SIGTERM or Ctrl-C.\n")
        self.stdout.flush()
        stop.wait()
        logger.info("worker stopping", extra={"timeout_ms": settings.WORKER_SHUTDOWN_TIMEOUT_MS})
        worker.stop(timeout=settings.WORKER_SHUTDOWN_TIMEOUT_MS)
        broker.close()
        logger.info("worker stopped")
