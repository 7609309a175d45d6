"""Where published events live: one stream per tenant and topic, plus a firehose.

Each event is appended to its topic stream (``oqim:rt:s:<tenant>:<topic>``, the history clients
replay from) and, in the same atomic step, to the firehose (``oqim:rt:firehose``) that every web
process tails to feed its local sockets. Positions are the stream entry ids Redis assigns
("<ms>-<seq>"), monotonic within a stream. Appending is idempotent per event id, so the relay
and the after-commit publisher may race without duplicating an event.

Whether a resume position is still good is decided exactly, not guessed:

- a position older than the stream's ``max-deleted-entry-id`` lost events to trimming;
- a position older than the epoch (set when this Redis data set was born, so it changes when
  Redis restarts without persistence) or newer than the stream's last id comes from a history
  that no longer exists.

Both answer "resync". Embedded mode keeps the same structures in memory (``MemoryStreams``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings

from core.secrets import unseal
from realtime.models import OutboxEvent

Key = tuple[int, int]
ZERO: Key = (0, 0)
PREFIX = "oqim:rt"
FIREHOSE = f"{PREFIX}:firehose"
EPOCH = f"{PREFIX}:epoch"
TRIMMED = f"{PREFIX}:trimmed"
TRIM_SLACK = 100  # a topic stream holds up to REALTIME_STREAM_MAXLEN + this, then drops the excess


def trim_slack() -> int:
    """Entries a topic stream may hold over its MAXLEN before the excess goes: a hundredth of
    it, at most ``TRIM_SLACK`` (exact for small caps)."""
    return min(TRIM_SLACK, settings.REALTIME_STREAM_MAXLEN // 100)


APPEND_CHUNK = 200  # events per script call: one call keeps Redis busy ~5 ms at most


class InvalidPosition(ValueError):
    """Not a "<ms>-<seq>" position."""


def parse_position(value: str) -> Key:
    """ "<ms>-<seq>" -> (ms, seq); raises ``InvalidPosition`` for anything else."""
    ms, sep, seq = value.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit() or len(value) > 41:
        raise InvalidPosition(value)
    return int(ms), int(seq)


def format_position(key: Key) -> str:
    return f"{key[0]}-{key[1]}"


def stream_key(tenant_id: int, topic: str) -> str:
    return f"{PREFIX}:s:{tenant_id}:{topic}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One published event as a web process sees it."""

    tenant_id: int
    topic: str
    position: str
    key: Key
    envelope: str  # the event's JSON text, sent as is
    audience: dict[str, list]

    def frame(self) -> str:
        """The ``event`` frame, built once per event and shared by every recipient."""
        envelope = self.envelope
        sealed = self.audience.get("sealed")
        if sealed:  # only built for recipients the audience admits (hub.visible)
            event = json.loads(envelope)
            event["data"].update({key: unseal(event["data"][key]) for key in sealed if event["data"][key]})
            envelope = json.dumps(event, separators=(",", ":"))
        return f'{{"type":"event","topic":{json.dumps(self.topic)},"position":"{self.position}","event":{envelope}}}'


@dataclass
class Replay:
    entries: list[Entry]
    head: str  # the stream's newest position (the epoch while it is empty)
    complete: bool  # False: something after ``since`` is gone; the client must resync


def _serialize(row: OutboxEvent) -> tuple[str, str]:
    from realtime.events import envelope

    return json.dumps(envelope(row), separators=(",", ":")), json.dumps(row.audience, separators=(",", ":"))


def _entry(tenant_id: int, topic: str, position: str, envelope: str, audience: str) -> Entry:
    return Entry(tenant_id, topic, position, parse_position(position), envelope, json.loads(audience))


def _judge(since: Key, *, epoch: Key, max_deleted: Key, last: Key) -> bool:
    return since >= epoch and since >= max_deleted and since <= last


# KEYS: firehose, epoch, trimmed, then a stream and a dedupe key per event. ARGV: maxlen,
# retention ms, firehose maxlen, dedupe ttl, trim slack, then envelope, audience, tenant and
# topic per event. Returns each event's new position, or false if it was appended before (its dedupe key
# still lives). Topic streams are trimmed exactly, and the newest id trimmed is kept in the
# ``trimmed`` hash: Redis 7.0 does not update max-deleted-entry-id when trimming, and resume
# judgements need it. Every step is O(1) in the stream's length (tests/realtime/test_stream_cost).
_APPEND = """
local maxlen, retention, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('SET', KEYS[2], tostring(now_ms - 1), 'NX')
local positions = {}
for n = 0, (#KEYS - 3) / 2 - 1 do
  local stream, dedupe = KEYS[4 + 2 * n], KEYS[5 + 2 * n]
  local envelope, audience = ARGV[6 + 4 * n], ARGV[7 + 4 * n]
  if not redis.call('SET', dedupe, '1', 'NX', 'EX', ARGV[4]) then
    positions[n + 1] = false
  else
    local id = redis.call('XADD', stream, '*', 'e', envelope, 'a', audience)
    local gone = false
    -- MAXLEN trims whole listpack nodes at once, when ``slack`` entries are over it: cutting
    -- one entry per append costs several times the append itself.
    local excess = redis.call('XLEN', stream) - maxlen
    if excess > 0 and excess >= slack then
      gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)[excess][1]
      redis.call('XTRIM', stream, 'MAXLEN', maxlen)
    end
    -- Retention looks at the oldest entry: asking directly for "the newest entry older than
    -- minid" walks the whole stream when there is none, the usual case.
    local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if retention > 0 and first and tonumber(string.match(first[1], '^(%d+)')) < now_ms - retention then
      local minid = tostring(now_ms - retention)
      gone = redis.call('XREVRANGE', stream, '(' .. minid, '-', 'COUNT', 1)[1][1]
      redis.call('XTRIM', stream, 'MINID', minid)
    end
    if gone then redis.call('HSET', KEYS[3], stream, gone) end
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',
      't', ARGV[8 + 4 * n], 'o', ARGV[9 + 4 * n], 'p', id, 'e', envelope, 'a', audience)
    positions[n + 1] = id
  end
end
return positions
"""

_ENSURE_EPOCH = """
local now = redis.call('TIME')
redis.call('SET', KEYS[1], tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - 1), 'NX')
return redis.call('GET', KEYS[1])
"""


class RedisStreams:
    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=5, socket_timeout=5)
        self._append = self.client.register_script(_APPEND)
        self._async: dict[int, Any] = {}  # one asyncio client per event loop

    def aclient(self) -> Any:
        import redis.asyncio

        loop_id = id(asyncio.get_running_loop())
        client = self._async.get(loop_id)
        if client is None:
            client = redis.asyncio.Redis.from_url(
                self.url, decode_responses=True, socket_connect_timeout=5, health_check_interval=30
            )
            self._async[loop_id] = client
        return client

    # -- writing (sync: called after commit, from request threads and workers)

    def append(self, rows: Sequence[OutboxEvent]) -> list[str | None]:
        """Append each row's event once; returns the new positions (None: appended before).
        One script call per organization and at most ``APPEND_CHUNK`` events."""
        by_tenant: dict[int, list[int]] = {}
        for index, row in enumerate(rows):
            by_tenant.setdefault(row.tenant_id, []).append(index)
        shared = [
            settings.REALTIME_STREAM_MAXLEN,
            settings.REALTIME_RETENTION_SECONDS * 1000,
            settings.REALTIME_FIREHOSE_MAXLEN,
            settings.REALTIME_DEDUPE_SECONDS,
            trim_slack(),
        ]
        calls: list[list[int]] = []
        pipe = self.client.pipeline(transaction=False)
        for indexes in by_tenant.values():
            for start in range(0, len(indexes), APPEND_CHUNK):
                chunk = indexes[start : start + APPEND_CHUNK]
                keys, args = [FIREHOSE, EPOCH, TRIMMED], list(shared)
                for index in chunk:
                    row = rows[index]
                    envelope, audience = _serialize(row)
                    keys += [stream_key(row.tenant_id, row.topic), f"{PREFIX}:pub:{row.event_id}"]
                    args += [envelope, audience, row.tenant_id, row.topic]
                self._append(keys=keys, args=args, client=pipe)
                calls.append(chunk)
        positions: list[str | None] = [None] * len(rows)
        for chunk, found in zip(calls, pipe.execute(), strict=True):
            for index, position in zip(chunk, found, strict=True):
                positions[index] = position or None
        return positions

    # -- reading (async: the web process's event loop)

    async def _epoch(self, client: Any) -> Key:
        value = await client.eval(_ENSURE_EPOCH, 1, EPOCH)
        return (int(value), 0)

    @staticmethod
    async def _info(client: Any, key: str) -> dict[str, Any] | None:
        import redis

        try:
            return await client.xinfo_stream(key)
        except redis.ResponseError:
            return None

    async def head(self, tenant_id: int, topic: str) -> str:
        client = self.aclient()
        info = await self._info(client, stream_key(tenant_id, topic))
        return info["last-generated-id"] if info else format_position(await self._epoch(client))

    async def read(self, tenant_id: int, topic: str, since: str, limit: int) -> Replay:
        client = self.aclient()
        key = stream_key(tenant_id, topic)
        since_key = parse_position(since)
        # One round trip, read first and judge after: trimming only moves forward, so judging
        # after the read can only be stricter than judging before it.
        pipe = client.pipeline(transaction=False)
        pipe.xrange(key, min=f"({since}", max="+", count=limit)
        pipe.eval(_ENSURE_EPOCH, 1, EPOCH)
        pipe.xinfo_stream(key)  # an error reply while the stream does not exist yet
        pipe.hget(TRIMMED, key)
        raw, epoch_ms, info, trimmed = await pipe.execute(raise_on_error=False)
        epoch = (int(epoch_ms), 0)
        last = parse_position(info["last-generated-id"]) if isinstance(info, dict) else epoch
        max_deleted = parse_position(trimmed) if trimmed else ZERO
        complete = _judge(since_key, epoch=epoch, max_deleted=max_deleted, last=last)
        entries = [_entry(tenant_id, topic, pos, f["e"], f["a"]) for pos, f in raw] if complete else []
        return Replay(entries=entries, head=format_position(last), complete=complete)

    async def firehose_head(self) -> str:
        info = await self._info(self.aclient(), FIREHOSE)
        return info["last-generated-id"] if info else "0-0"

    async def tail(self, cursor: str, *, block_ms: int, count: int) -> tuple[str, list[Entry], bool]:
        """Firehose entries after ``cursor``: (new cursor, entries, gap). ``gap`` says entries
        after ``cursor`` were trimmed before this process read them."""
        client = self.aclient()
        result = await client.xread({FIREHOSE: cursor}, block=block_ms, count=count)
        entries: list[Entry] = []
        new_cursor = cursor
        first_read = None
        for _name, items in result or []:
            for fid, f in items:
                first_read = first_read or fid
                entries.append(_entry(int(f["t"]), f["o"], f["p"], f["e"], f["a"]))
                new_cursor = fid
        gap = False
        if len(entries) >= count:
            # Behind by a full read: check the oldest retained entry is not past our cursor
            # while something was trimmed (the firehose is trimmed approximately, by node).
            info = await self._info(client, FIREHOSE)
            if info and info["entries-added"] > info["length"] and cursor != "0-0":
                # Reading started at the oldest retained entry: what lay between may be gone.
                first = info.get("recorded-first-entry-id") or (info["first-entry"] or [cursor])[0]
                gap = first_read == first
        return new_cursor, entries, gap

    # -- operator view (sync)

    def stream_stats(self, tenant_id: int | None = None) -> list[dict[str, Any]]:
        pattern = stream_key(tenant_id, "*") if tenant_id is not None else f"{PREFIX}:s:*"
        keys = sorted(self.client.scan_iter(match=pattern, count=1000))
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.xlen(key)
        stats = []
        for key, length in zip(keys, pipe.execute(), strict=True):
            tenant, _, topic = key[len(f"{PREFIX}:s:") :].partition(":")
            stats.append({"tenant": int(tenant), "topic": topic, "length": length})
        return stats

    def firehose_length(self) -> int:
        return int(self.client.xlen(FIREHOSE))


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
                entry = Entry(row.tenant_id, row.topic, format_position(key), key, _serialize(row)[0], row.audience)
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
            complete = _judge(since_key, epoch=self.epoch, max_deleted=stream.max_deleted, last=stream.last)
            entries: list[Entry] = []
            if complete:
                for entry in reversed(stream.entries):
                    if entry.key <= since_key:
                        break
                    entries.append(entry)
                entries = entries[::-1][:limit]
            return Replay(entries=entries, head=format_position(stream.last), complete=complete)

    async def firehose_head(self) -> str:
        with self.lock:
            return str(self.firehose_seq)

    async def tail(self, cursor: str, *, block_ms: int, count: int) -> tuple[str, list[Entry], bool]:
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


def _build() -> RedisStreams | MemoryStreams:
    return RedisStreams(settings.REDIS_URL) if settings.REDIS_URL else MemoryStreams()


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
