"""The event store on Redis: topic streams and the firehose, appended in one script call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from realtime.entries import (
    APPEND_CHUNK,
    EPOCH,
    FIREHOSE,
    PREFIX,
    TRIMMED,
    ZERO,
    Entry,
    Key,
    Replay,
    format_position,
    parse_position,
    position_valid,
    serialize,
    stream_entry,
    stream_key,
    trim_slack,
)
from realtime.models import OutboxEvent
from realtime.topics import TOPICS

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
                    envelope, audience = serialize(row)
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
        complete = position_valid(since_key, epoch=epoch, max_deleted=max_deleted, last=last)
        entries = [stream_entry(tenant_id, topic, pos, f["e"], f["a"]) for pos, f in raw] if complete else []
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
                entries.append(stream_entry(int(f["t"]), f["o"], f["p"], f["e"], f["a"]))
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
        if tenant_id is not None:
            # One organization's streams are named by the topic registry: no SCAN over a keyspace
            # that holds an hour of dedupe keys (a million on a busy server, half a second).
            keys = [stream_key(tenant_id, topic) for topic in sorted(TOPICS)]
        else:
            keys = sorted(self.client.scan_iter(match=f"{PREFIX}:s:*", count=1000))
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.exists(key)
            pipe.xlen(key)
        answers = pipe.execute()
        stats = []
        for key, exists, length in zip(keys, answers[::2], answers[1::2], strict=True):
            if exists:
                tenant, _, topic = key[len(f"{PREFIX}:s:") :].partition(":")
                stats.append({"tenant": int(tenant), "topic": topic, "length": length})
        return stats

    def firehose_length(self) -> int:
        return int(self.client.xlen(FIREHOSE))  # type: ignore[arg-type]  # the sync client answers an int
