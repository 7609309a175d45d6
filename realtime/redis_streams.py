"""The event store on Redis: topic streams and their shard's firehose, appended in one script call.

One server, a Sentinel-guarded master (``core.redis_connections``) or a Redis Cluster of its own
(``REALTIME_REDIS_CLUSTER``): every key of a shard shares one hash tag (``realtime.entries``), so
each script call and each pipeline of a read touches one slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import redis
from django.conf import settings

from core import redis_connections
from core.config import parse_nodes
from realtime.entries import (
    APPEND_CHUNK,
    PREFIX,
    ZERO,
    Entry,
    Key,
    Replay,
    Unreplicated,
    dedupe_key,
    epoch_key,
    firehose_key,
    format_position,
    parse_position,
    position_valid,
    serialize,
    shard_of,
    stream_entry,
    stream_key,
    trim_slack,
    trimmed_key,
)
from realtime.models import OutboxEvent
from realtime.topics import TOPICS

# KEYS (one shard's): firehose, epoch, trimmed, then a stream and a dedupe key per event. ARGV: maxlen,
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
    -- A write even so, so that a WAIT after this call also covers the first append's copy.
    redis.call('EXPIRE', dedupe, ARGV[4])
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

REPLICAS_RECHECK_SECONDS = 5.0

_ENSURE_EPOCH = """
local now = redis.call('TIME')
redis.call('SET', KEYS[1], tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - 1), 'NX')
return redis.call('GET', KEYS[1])
"""


class RedisStreams:
    def __init__(self) -> None:
        self.cluster = bool(settings.REALTIME_REDIS_CLUSTER)
        if self.cluster:
            from redis.cluster import ClusterNode, RedisCluster

            nodes = [ClusterNode(h, p) for h, p in parse_nodes(settings.REALTIME_REDIS_CLUSTER)]
            self.client: Any = RedisCluster(
                startup_nodes=nodes, decode_responses=True, socket_connect_timeout=5, socket_timeout=5
            )
        else:
            self.client = redis_connections.client(decode_responses=True)
        # The script's digest only; each call runs it on the pipeline of the shard's node.
        self._append = redis.Redis().register_script(_APPEND)
        self._async: dict[int, Any] = {}  # one asyncio client per event loop
        self._replicas: dict[int, tuple[int, float]] = {}  # shard -> (replicas connected, until)

    @property
    def shards(self) -> range:
        return range(settings.REALTIME_SHARDS)

    def aclient(self) -> Any:
        loop_id = id(asyncio.get_running_loop())
        client = self._async.get(loop_id)
        if client is None:
            # A read blocks for at most two seconds: ten without an answer is a dead or cut-off
            # server, and the hub's retry reaches the new master or node.
            if self.cluster:
                from redis.asyncio.cluster import ClusterNode, RedisCluster

                nodes = [ClusterNode(h, p) for h, p in parse_nodes(settings.REALTIME_REDIS_CLUSTER)]
                client = RedisCluster(
                    startup_nodes=nodes, decode_responses=True, socket_connect_timeout=5, socket_timeout=10
                )
            else:
                client = redis_connections.async_client(
                    decode_responses=True, socket_timeout=10, health_check_interval=30
                )
            self._async[loop_id] = client
        return client

    async def connected(self) -> Any:
        """This loop's client, ready: a cluster client learns the slots and the command table on
        first use, and commands racing that first use fail to find their keys."""
        client = self.aclient()
        if self.cluster:
            await client.initialize()  # at once when done already
        return client

    def _node(self, shard: int) -> Any:
        """The client of the server holding ``shard``: a WAIT must follow the writes on their own
        connection, which a cluster pipeline spread over nodes cannot promise."""
        if not self.cluster:
            return self.client
        return self.client.get_redis_connection(self.client.get_node_from_key(firehose_key(shard)))

    def _replicas_to_wait_for(self, shard: int, node: Any) -> int:
        """``REALTIME_PUBLISH_REPLICAS``, or fewer while fewer are connected: a master promoted
        after a failover has no replica until one rejoins, and a WAIT for one it does not have
        would hold every publish for its whole timeout and leave every row to the relay."""
        wanted = settings.REALTIME_PUBLISH_REPLICAS
        if not wanted:
            return 0
        connected, until = self._replicas.get(shard, (wanted, 0.0))
        if time.monotonic() >= until:
            try:
                role = node.execute_command("ROLE")  # ["master", offset, [[host, port, offset], ...]]
                connected = len(role[2]) if role[0] == "master" else 0
            except redis.ResponseError:  # an ACL without ROLE: wait for as many as asked
                connected = wanted
            self._replicas[shard] = (connected, time.monotonic() + REPLICAS_RECHECK_SECONDS)
        return min(wanted, connected)

    # -- writing (sync: called after commit, from request threads and workers)

    def append(self, rows: Sequence[OutboxEvent]) -> list[str | None]:
        """Append each row's event once; returns the new positions (None: appended before).
        One script call per shard and at most ``APPEND_CHUNK`` events; raises ``Unreplicated``
        when replicas did not acknowledge some of them within ``REALTIME_PUBLISH_WAIT_MS``."""
        by_shard: dict[int, list[int]] = {}
        for index, row in enumerate(rows):
            by_shard.setdefault(shard_of(row.tenant_id), []).append(index)
        shared = [
            settings.REALTIME_STREAM_MAXLEN,
            settings.REALTIME_RETENTION_SECONDS * 1000,
            settings.REALTIME_FIREHOSE_MAXLEN,
            settings.REALTIME_DEDUPE_SECONDS,
            trim_slack(),
        ]
        positions: list[str | None] = [None] * len(rows)
        confirmed: list[int] = []
        try:
            for shard, indexes in by_shard.items():
                node = self._node(shard)
                replicas = self._replicas_to_wait_for(shard, node)
                calls: list[tuple[list[int], list[Any]]] = []
                for start in range(0, len(indexes), APPEND_CHUNK):
                    chunk = indexes[start : start + APPEND_CHUNK]
                    keys, args = [firehose_key(shard), epoch_key(shard), trimmed_key(shard)], list(shared)
                    for index in chunk:
                        row = rows[index]
                        envelope, audience = serialize(row)
                        keys += [stream_key(row.tenant_id, row.topic), dedupe_key(shard, row.event_id)]
                        args += [envelope, audience, row.tenant_id, row.topic]
                    calls.append((chunk, [len(keys), *keys, *args]))
                answers = self._run_appends(node, [call for _, call in calls], replicas)
                for (chunk, _), found in zip(calls, answers, strict=False):
                    for index, position in zip(chunk, found, strict=True):
                        positions[index] = position or None
                if not replicas or answers[-1] >= replicas:
                    confirmed += indexes
        except redis.RedisError:
            self._replicas.clear()  # a failover changes who has replicas
            if self.cluster:  # a moved slot or a failed-over master: learn the new layout
                with contextlib.suppress(redis.RedisError):
                    self.client.nodes_manager.initialize()
            raise
        if len(confirmed) < len(rows):
            raise Unreplicated(sorted(confirmed))
        return positions

    def _run_appends(self, node: Any, calls: list[list[Any]], replicas: int) -> list[Any]:
        """The script calls (and the WAIT) in one round trip. The script is called by its digest
        alone (redis-py's ``Script`` on a pipeline asks ``SCRIPT EXISTS`` first, every time); a
        server that does not know it yet (new, restarted, failed over) gets it loaded and the
        calls again, which the per-event dedupe makes safe."""

        def pipeline() -> Any:
            pipe = node.pipeline(transaction=False)
            for call in calls:
                pipe.execute_command("EVALSHA", self._append.sha, *call)
            if replicas:
                pipe.execute_command("WAIT", replicas, settings.REALTIME_PUBLISH_WAIT_MS)
            return pipe

        try:
            return pipeline().execute()
        except redis.exceptions.NoScriptError:
            node.script_load(_APPEND)
        return pipeline().execute()

    # -- reading (async: the web process's event loop)

    async def _epoch(self, client: Any, shard: int) -> Key:
        value = await client.eval(_ENSURE_EPOCH, 1, epoch_key(shard))
        return (int(value), 0)

    @staticmethod
    async def _info(client: Any, key: str) -> dict[str, Any] | None:
        try:
            return await client.xinfo_stream(key)
        except redis.ResponseError:
            return None

    async def head(self, tenant_id: int, topic: str) -> str:
        client = await self.connected()
        info = await self._info(client, stream_key(tenant_id, topic))
        return info["last-generated-id"] if info else format_position(await self._epoch(client, shard_of(tenant_id)))

    async def read(self, tenant_id: int, topic: str, since: str, limit: int) -> Replay:
        client = await self.connected()
        shard = shard_of(tenant_id)
        key = stream_key(tenant_id, topic)
        since_key = parse_position(since)
        # One round trip, read first and judge after: trimming only moves forward, so judging
        # after the read can only be stricter than judging before it.
        pipe = client.pipeline(transaction=False)
        pipe.xrange(key, min=f"({since}", max="+", count=limit)
        pipe.eval(_ENSURE_EPOCH, 1, epoch_key(shard))
        pipe.xinfo_stream(key)  # an error reply while the stream does not exist yet
        pipe.hget(trimmed_key(shard), key)
        raw, epoch_ms, info, trimmed = await pipe.execute(raise_on_error=False)
        for answer in (raw, epoch_ms):
            if isinstance(answer, Exception):
                raise answer
        epoch = (int(epoch_ms), 0)
        last = parse_position(info["last-generated-id"]) if isinstance(info, dict) else epoch
        max_deleted = parse_position(trimmed) if isinstance(trimmed, str) else ZERO
        complete = position_valid(since_key, epoch=epoch, max_deleted=max_deleted, last=last)
        entries = [stream_entry(tenant_id, topic, pos, f["e"], f["a"]) for pos, f in raw] if complete else []
        return Replay(entries=entries, head=format_position(last), complete=complete)

    async def firehose_head(self, shard: int) -> str:
        info = await self._info(await self.connected(), firehose_key(shard))
        return info["last-generated-id"] if info else "0-0"

    async def reconcile(self, shard: int, cursor: str) -> str:
        """After a lost connection: a cursor past the firehose's newest id was read from a master
        that failed over before its replica had those entries. What the new master holds up to
        its newest id was read already; so read on from there (their rows are republished)."""
        head = await self.firehose_head(shard)
        return head if parse_position(head) < parse_position(cursor) else cursor

    async def tail(self, shard: int, cursor: str, *, block_ms: int, count: int) -> tuple[str, list[Entry], bool]:
        """Firehose entries after ``cursor``: (new cursor, entries, gap). ``gap`` says entries
        after ``cursor`` were trimmed before this process read them."""
        client = await self.connected()
        key = firehose_key(shard)
        if self.cluster:
            # Named by node: redis-py finds XREAD's keys with a COMMAND GETKEYS round trip per call.
            result = await client.execute_command(
                "XREAD", "COUNT", count, "BLOCK", block_ms, "STREAMS", key, cursor,
                target_nodes=client.get_node_from_key(key),
            )  # fmt: skip
        else:
            result = await client.xread({key: cursor}, block=block_ms, count=count)
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
            info = await self._info(client, key)
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
            keys = sorted(self.client.scan_iter(match=f"{PREFIX}:{{*}}:s:*", count=1000))
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.exists(key)
            pipe.xlen(key)
        answers = pipe.execute() if keys else []
        stats = []
        for key, exists, length in zip(keys, answers[::2], answers[1::2], strict=True):
            if exists:
                tenant, _, topic = key.partition(":s:")[2].partition(":")
                stats.append({"tenant": int(tenant), "topic": topic, "length": length})
        return stats

    def stale_keys(self) -> list[str]:
        """Event keys the current layout no longer appends to: those of a release before shards,
        of shards past ``REALTIME_SHARDS``, and streams whose organization moved to another shard.
        Dedupe keys are left out: they expire on their own."""
        shards = settings.REALTIME_SHARDS
        stale = []
        for key in self.client.scan_iter(match=f"{PREFIX}:*", count=1000):
            rest = key[len(PREFIX) + 1 :]
            if rest.startswith(("proc:", "pub:")) or ":pub:" in rest:
                continue
            tag, _, inner = rest.partition("}:")
            if not rest.startswith("{") or not tag[1:].isdigit():
                stale.append(key)  # the unsharded layout: oqim:rt:s:..., oqim:rt:firehose, ...
                continue
            shard = int(tag[1:])
            tenant = inner.split(":")[1] if inner.startswith("s:") else ""
            if shard >= shards or (tenant.isdigit() and int(tenant) % shards != shard):
                stale.append(key)
        return sorted(stale)

    def firehose_length(self) -> int:
        pipe = self.client.pipeline(transaction=False)
        for shard in self.shards:
            pipe.xlen(firehose_key(shard))
        return sum(pipe.execute())
