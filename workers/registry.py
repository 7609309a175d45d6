"""Where actors and periodic jobs are found.

Each Django app may have a ``tasks`` module of actors and declare periodic jobs with
``periodic(...)``; ``discover_actors`` imports them all so that web, worker and scheduler
processes agree on the set of actors.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from core.discovery import import_app_modules


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    actor: dramatiq.Actor
    cron: str  # standard 5-field crontab, evaluated in UTC
    second: str = "0"  # crontab-style seconds field, for jobs that run more than once a minute


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic(cron: str, *, second: str = "0"):  # type: ignore[no-untyped-def]
    """Decorator for an actor: the scheduler sends it (with no arguments) on ``cron``;
    ``second="*/5"`` adds a seconds field (every five seconds of every matching minute)."""

    def register(actor: dramatiq.Actor) -> dramatiq.Actor:
        PERIODIC_JOBS[actor.actor_name] = PeriodicJob(name=actor.actor_name, actor=actor, cron=cron, second=second)
        return actor

    return register


_discovered = False


def discover_actors() -> None:
    global _discovered
    if _discovered:
        return
    import_app_modules("tasks")
    _discovered = True
