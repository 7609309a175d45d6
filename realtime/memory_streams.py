"""The event store in memory, for embedded mode: the same structures and answers as on Redis."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings

from realtime.entries import ZERO, Entry, Key, Replay, format_position, parse_position, position_valid, serialize
from realtime.models import OutboxEvent


@dataclass
class _MemStream:
    entries: deque[Entry] = field(default_factory=deque)
    last: Key = ZERO
    max_deleted: Key = ZERO


def _next_id(last: Key) -> Key:
    ms = int(time.time() * 1000)
    return (ms, 0) if ms > last[0] else (last[0], last[1] + 1)


class MemoryStreams:
    """Embedded mode: the same streams, positions and judgements, inside this process.

    The memory firehose is numbered by a counter (its cursor) rather than by stream ids.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.epoch: Key = (int(time.time() * 1000) - 1, 0)
        self.streams: dict[tuple[int, str], _MemStream] = {}
        self.firehose: deque[tuple[int, Entry]] = deque()
        self.firehose_seq = 0
        self.firehose_dropped = 0  # the highest counter trimmed away
        self.published: OrderedDict[str, None] = OrderedDict()
        self.waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @staticmethod
    def _trim(stream: _MemStream, maxlen: int, min_ms: int) -> None:
        while stream.entries and (len(stream.entries) > maxlen or stream.entries[0].key[0] < min_ms):
            stream.max_deleted = stream.entries.popleft().key

    def append(self, rows: Sequence[OutboxEvent]) -> list[str | None]:
        positions: list[str | None] = []
        with self.lock:
            min_ms = int(time.time() * 1000) - settings.REALTIME_RETENTION_SECONDS * 1000
            for row in rows:
                event_id = str(row.event_id)
                if event_id in self.published:
                    positions.append(None)
                    continue
                self.published[event_id] = None
                if len(self.published) > 2 * settings.REALTIME_FIREHOSE_MAXLEN:
                    self.published.popitem(last=False)
                stream = self.streams.setdefault((row.tenant_id, row.topic), _MemStream(last=self.epoch))
                key = _next_id(stream.last)
                entry = Entry(row.tenant_id, row.topic, format_position(key), key, serialize(row)[0], row.audience)
                stream.entries.append(entry)
                stream.last = key
                self._trim(stream, settings.REALTIME_STREAM_MAXLEN, min_ms)
                self.firehose_seq += 1
                self.firehose.append((self.firehose_seq, entry))
                while len(self.firehose) > settings.REALTIME_FIREHOSE_MAXLEN:
                    self.firehose_dropped = self.firehose.popleft()[0]
                positions.append(entry.position)
            waiters = list(self.waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)
        return positions

    async def head(self, tenant_id: int, topic: str) -> str:
        with self.lock:
            stream = self.streams.get((tenant_id, topic))
            return format_position(stream.last if stream else self.epoch)

    async def read(self, tenant_id: int, topic: str, since: str, limit: int) -> Replay:
        since_key = parse_position(since)
        with self.lock:
            stream = self.streams.get((tenant_id, topic)) or _MemStream(last=self.epoch)
            complete = position_valid(since_key, epoch=self.epoch, max_deleted=stream.max_deleted, last=stream.last)
            entries: list[Entry] = []
            if complete:
                for entry in reversed(stream.entries):
                    if entry.key <= since_key:
                        break
                    entries.append(entry)
                entries = entries[::-1][:limit]
            return Replay(entries=entries, head=format_position(stream.last), complete=complete)

    shards = range(1)  # one firehose: nothing here spans servers

    async def firehose_head(self, shard: int) -> str:
        with self.lock:
            return str(self.firehose_seq)

    async def reconcile(self, shard: int, cursor: str) -> str:
        return cursor  # this firehose never fails over

    async def tail(self, shard: int, cursor: str, *, block_ms: int, count: int) -> tuple[str, list[Entry], bool]:
        after = int(cursor)
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self.lock:
            ready = self.firehose_seq > after
            if not ready:
                self.waiters.add(waiter)
        if not ready:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter[1].wait(), block_ms / 1000)
            finally:
                with self.lock:
                    self.waiters.discard(waiter)
        with self.lock:
            gap = self.firehose_dropped > after
            # Readers are near the end: walk back over just the new entries.
            fresh = min(self.firehose_seq - after, len(self.firehose))
            batch = list(islice(reversed(self.firehose), fresh))[::-1][:count]
        if not batch:
            return cursor, [], gap
        return str(batch[-1][0]), [entry for _, entry in batch], gap

    def stream_stats(self, tenant_id: int | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"tenant": tenant, "topic": topic, "length": len(stream.entries)}
                for (tenant, topic), stream in sorted(self.streams.items())
                if tenant_id is None or tenant == tenant_id
            ]

    def firehose_length(self) -> int:
        return len(self.firehose)
