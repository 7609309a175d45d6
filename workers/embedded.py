"""Embedded mode: the Dramatiq worker and the scheduler as threads of the web process."""

from __future__ import annotations

import logging
import threading

import dramatiq
from django.conf import settings

from workers.broker import broker
from workers.scheduler import build_scheduler

logger = logging.getLogger(__name__)


class EmbeddedBackground:
    def __init__(self) -> None:
        self.worker = dramatiq.Worker(
            broker, worker_threads=settings.WORKER_THREADS, worker_timeout=settings.WORKER_IDLE_POLL_MS
        )
        self.scheduler = build_scheduler()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=self.scheduler.run, args=(self.stop_event,), name="scheduler", daemon=True
        )

    def start(self) -> None:
        self.worker.start()
        self.thread.start()
        logger.info("embedded worker and scheduler started", extra={"threads": settings.WORKER_THREADS})

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
        self.worker.stop(timeout=settings.WORKER_SHUTDOWN_TIMEOUT_MS)
        logger.info("embedded worker and scheduler stopped")
