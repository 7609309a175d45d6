"""A provider that behaves like a real one, for the demo, the tests and the benchmark.

It keeps its orders in Redis when ``REDIS_URL`` is set (shared by every worker process, as a real
provider's database would be), else in this process. Each order is created once per key (``SET
NX``), so a re-sent order is never a second one. Knobs (``Provider.simulation``):

- ``delay_seconds``: an order completes this long after it was first submitted (0: at once);
- ``failure_rate``: share of orders that end failed (decided per order, stable across checks);
- ``error_rate``: share of calls answered with a 5xx;
- ``timeout_rate``: share of calls that time out.

The same core answers over HTTP in ``manage.py simulate_provider`` (used by the benchmark and the
HTTP adapter's tests), where a timeout really hangs.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import threading
import time
from typing import Any

from django.conf import settings

from core import redis_connections
from domains.orders.providers.base import (
    ACCEPTED,
    COMPLETED,
    FAILED,
    PROCESSING,
    Answer,
    ProviderRejected,
    ProviderUnavailable,
    SubmitRequest,
)

DEFAULTS = {"delay_seconds": 20.0, "failure_rate": 0.05, "error_rate": 0.1, "timeout_rate": 0.02}
KEY_PREFIX = "oqim:simprov:"
RETENTION_SECONDS = 3 * 24 * 3600


class Timeout(ProviderUnavailable):
    """A call the simulated provider does not answer in time."""


class MemoryStore:
    def __init__(self) -> None:
        self.orders: dict[str, str] = {}
        self.lock = threading.Lock()

    def create(self, key: str, record: str) -> str:
        with self.lock:
            stored = self.orders.setdefault(key, record)
            self.orders["ref:" + json.loads(stored)["reference"]] = key
            return stored

    def get(self, key: str) -> str | None:
        return self.orders.get(key)

    def count(self, name: str) -> None:
        with self.lock:
            self.orders[f"count:{name}"] = str(int(self.orders.get(f"count:{name}", "0")) + 1)


class RedisStore:
    def __init__(self) -> None:
        self.client = redis_connections.client()

    def create(self, key: str, record: str) -> str:
        if self.client.set(KEY_PREFIX + key, record, nx=True, ex=RETENTION_SECONDS):
            self.client.set(f"{KEY_PREFIX}ref:{json.loads(record)['reference']}", key, ex=RETENTION_SECONDS)
            return record
        return self.get(key) or record

    def get(self, key: str) -> str | None:
        value = self.client.get(KEY_PREFIX + key)
        return value.decode() if value is not None else None

    def count(self, name: str) -> None:
        self.client.incr(f"{KEY_PREFIX}count:{name}")


_store: MemoryStore | RedisStore | None = None


def default_store() -> MemoryStore | RedisStore:
    global _store
    if _store is None:
        _store = RedisStore() if settings.REDIS_URL else MemoryStore()
    return _store


def knobs(simulation: dict[str, Any]) -> dict[str, float]:
    return {name: float(simulation.get(name, default)) for name, default in DEFAULTS.items()}


class SimulatedProvider:
    def __init__(self, simulation: dict[str, Any], *, store: MemoryStore | RedisStore | None = None) -> None:
        self.knobs = knobs(simulation)
        self.store = store or default_store()

    def _weather(self) -> None:
        """Transient trouble, decided per call."""
        roll = random.random()
        if roll < self.knobs["timeout_rate"]:
            raise Timeout("timed out (simulated)")
        if roll < self.knobs["timeout_rate"] + self.knobs["error_rate"]:
            raise ProviderUnavailable("HTTP 503 (simulated)", http_status=503)

    def _answer(self, record: str) -> Answer:
        order = json.loads(record)
        if order["doomed"]:
            return Answer(status=FAILED, reference=order["reference"], reason="declined by the issuer (simulated)")
        if time.time() - order["submitted_at"] >= self.knobs["delay_seconds"]:
            return Answer(status=COMPLETED, reference=order["reference"], pin=order["pin"])
        accepted_for = time.time() - order["submitted_at"]
        return Answer(status=PROCESSING if accepted_for >= 1 else ACCEPTED, reference=order["reference"])

    def submit(self, request: SubmitRequest) -> Answer:
        self._weather()
        if not request.account.strip():
            raise ProviderRejected("account is required", http_status=422)
        if request.account.lower().startswith("invalid"):
            raise ProviderRejected("unknown account (simulated)", http_status=422)
        digest = hashlib.sha256(request.key.encode()).hexdigest()
        record = json.dumps(
            {
                "reference": f"SIM-{digest[:16].upper()}",
                "submitted_at": time.time(),
                "pin": "-".join(secrets.token_hex(2).upper() for _ in range(4)),
                # Stable per order: the same order fails on every check, not on some.
                "doomed": int(digest[16:24], 16) / 0xFFFFFFFF < self.knobs["failure_rate"],
            }
        )
        stored = self.store.create(request.key, record)
        self.store.count("created" if stored == record else "resubmitted")
        return self._answer(stored)

    def lookup(self, key: str) -> Answer | None:
        self._weather()
        record = self.store.get(key)
        return self._answer(record) if record is not None else None

    def status(self, *, key: str, reference: str) -> Answer:
        self._weather()
        key = key or self.store.get("ref:" + reference) or ""
        record = self.store.get(key) if key else None
        if record is None or json.loads(record)["reference"] != reference:
            raise ProviderRejected("unknown order", http_status=404)
        return self._answer(record)
