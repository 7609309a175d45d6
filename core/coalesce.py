"""Work that many commits ask for, done once: each request adds its members (ids) to a pending
set, and only the first since the last ``take`` is told to schedule the job. The job takes the
set, and does the work for all of it.

A request arriving while the job runs is never lost: ``take`` empties the set and clears the
"scheduled" mark in one step, so the next request schedules again. Redis holds the sets in
services mode (every process shares them); embedded mode keeps them in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.conf import settings

from core import redis_connections

PREFIX = "oqim:coalesce"
_TTL_SECONDS = 3600  # a mark whose job was lost expires; the next request then schedules again

_local: dict[str, set[str]] = {}
_local_lock = threading.Lock()


_clients: dict[str, object] = {}


def _client():  # type: ignore[no-untyped-def]
    found = _clients.get(settings.REDIS_URL)
    if found is None:
        found = _clients[settings.REDIS_URL] = redis_connections.client(decode_responses=True)
    return found


def request(name: str, members: Iterable[int | str]) -> bool:
    """Add ``members`` to the pending set ``name``; True if the caller must schedule its job."""
    values = [str(m) for m in members]
    if not settings.REDIS_URL:
        with _local_lock:
            first = name not in _local
            _local.setdefault(name, set()).update(values)
            return first
    pipe = _client().pipeline(transaction=True)
    if values:
        pipe.sadd(f"{PREFIX}:{name}:set", *values)
        pipe.expire(f"{PREFIX}:{name}:set", _TTL_SECONDS)
    pipe.set(f"{PREFIX}:{name}:due", "1", nx=True, ex=_TTL_SECONDS)
    return bool(pipe.execute()[-1])


def take(name: str) -> set[str]:
    """Everything requested for ``name`` so far; later requests schedule a new job."""
    if not settings.REDIS_URL:
        with _local_lock:
            return _local.pop(name, set())
    pipe = _client().pipeline(transaction=True)
    pipe.smembers(f"{PREFIX}:{name}:set")
    pipe.delete(f"{PREFIX}:{name}:set", f"{PREFIX}:{name}:due")
    return set(pipe.execute()[0])
