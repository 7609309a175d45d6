"""Liveness and readiness probes: unauthenticated, cheap, quiet in the access log.

``/health/`` touches nothing: the process answers, so it is alive.
``/ready/`` checks every dependency the process needs to do work and names what failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from core import redis_connections
from core.errors import error_body

logger = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "embedded"
    client = redis_connections.client(socket_timeout=PROBE_TIMEOUT_SECONDS, connect_timeout=PROBE_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


# Apps above core add their own dependencies here from ``AppConfig.ready`` (workers: "broker").
CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
}


def run_checks() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency means not ready
            logger.warning("readiness check failed", extra={"check": name, "error": type(exc).__name__})
            results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    return results


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failed = [name for name, result in checks.items() if result.startswith("error")]
    if failed:
        body = error_body("not_ready", "Not ready: " + ", ".join(failed) + " unavailable.", checks=checks)
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ready", "checks": checks})
