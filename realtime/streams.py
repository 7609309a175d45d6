"""Where published events live: one stream per tenant and topic, plus a firehose per shard.

Each event is appended to its topic stream (``oqim:rt:{<shard>}:s:<tenant>:<topic>``, the
history clients replay from) and, in the same atomic step, to its shard's firehose
(``oqim:rt:{<shard>}:firehose``) that every web process tails to feed its local sockets. An
organization's shard is ``tenant % REALTIME_SHARDS``; on a Redis Cluster each shard is one slot.
Positions are the stream entry ids Redis assigns ("<ms>-<seq>"), monotonic within a stream.
Appending is idempotent per event id, so the relay and the after-commit publisher may race
without duplicating an event.

Whether a resume position is still good is decided exactly, not guessed:

- a position older than the stream's ``max-deleted-entry-id`` lost events to trimming;
- a position older than the epoch (set when this Redis data set was born, so it changes when
  Redis restarts without persistence) or newer than the stream's last id comes from a history
  that no longer exists.

Both answer "resync". Embedded mode keeps the same structures in memory (``MemoryStreams``).
"""

from __future__ import annotations

import threading

from django.conf import settings

from realtime.entries import (
    PREFIX,
    TRIM_SLACK,
    ZERO,
    Entry,
    InvalidPosition,
    Key,
    Replay,
    Unreplicated,
    envelope,
    firehose_key,
    format_position,
    parse_position,
    shard_of,
    stream_key,
)
from realtime.memory_streams import MemoryStreams
from realtime.redis_streams import RedisStreams

__all__ = [
    "PREFIX",
    "TRIM_SLACK",
    "ZERO",
    "Entry",
    "InvalidPosition",
    "Key",
    "MemoryStreams",
    "RedisStreams",
    "Replay",
    "Unreplicated",
    "envelope",
    "firehose_key",
    "format_position",
    "parse_position",
    "reset_streams",
    "shard_of",
    "stream_key",
    "streams",
]


def _build() -> RedisStreams | MemoryStreams:
    return RedisStreams() if settings.REDIS_URL else MemoryStreams()


_streams: RedisStreams | MemoryStreams | None = None
_streams_lock = threading.Lock()


def streams() -> RedisStreams | MemoryStreams:
    """This process's event store (built on first use, after settings are final)."""
    global _streams
    with _streams_lock:
        if _streams is None:
            _streams = _build()
        return _streams


def reset_streams() -> None:
    """Tests: forget the store so the next call builds one for the current settings."""
    global _streams
    with _streams_lock:
        _streams = None
