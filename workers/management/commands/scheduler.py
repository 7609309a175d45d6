"""Run the periodic-job scheduler. Several may run; a Redis lock lets exactly one send jobs."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workers.scheduler import build_scheduler
from workers.stopping import StopSignal

logger = logging.getLogger("oqim.scheduler")


class Command(BaseCommand):
    help = "Run the scheduler (needs REDIS_URL; embedded mode runs it inside `web`)."

    def handle(self, *args: object, **options: object) -> None:
        if settings.EMBEDDED:
            raise CommandError("The scheduler needs REDIS_URL: in embedded mode it runs inside `manage.py web`.")
        stop = StopSignal()
        scheduler = build_scheduler()
        self.stdout.write(f"Oqim scheduler ready ({len(scheduler.jobs)} periodic jobs). Stop with SIGTERM.\n")
        self.stdout.flush()
        scheduler.run(stop.event)
