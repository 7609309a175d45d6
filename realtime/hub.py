"""The web process's router: tails each shard's firehose once and hands events to local sockets.

Every web process runs one hub while it has sockets, with one reader per firehose shard. Events
are read from Redis by position, not received by pub/sub, so a Redis reconnect loses nothing:
the hub resumes its cursor. If a firehose was trimmed past the cursor (the process stalled for
long), the hub cannot know what it missed and closes the sockets of that shard's organizations
with ``Close.RESYNC``; clients resume from their own positions, which the per-topic streams
answer exactly.

The hub also does the periodic chores for its sockets: heartbeats, idle timeouts, credential
expiry, and re-checking sessions and memberships (one query for all sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections import defaultdict

from channels.db import database_sync_to_async
from django.conf import settings

from core.auth import revoked_sessions
from realtime import frames
from realtime.audience import admits
from realtime.connection import Connection, Subscription
from realtime.frames import Close
from realtime.identity import current_roles
from realtime.inbound import COUNTERS
from realtime.streams import Entry, shard_of, streams

logger = logging.getLogger(__name__)

PENDING_LIMIT = 100_000  # live entries held for one subscription while it replays
DISPATCH_SLICE = 100
PROCESS_PREFIX = "oqim:rt:proc:"
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"


def visible(entry: Entry, conn: Connection) -> bool:
    return admits(entry.audience, conn.identity)


class Stats:
    def __init__(self) -> None:
        self.delivered = 0
        self.events = 0
        self.closed_slow = 0
        self.resyncs = 0
        self.connections_total = 0


class Hub:
    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self.by_stream: dict[tuple[int, str], set[Subscription]] = defaultdict(set)
        self.stats = Stats()
        self.chores: asyncio.Task | None = None
        # Only the shards of organizations this process holds sockets for are read: each
        # unwanted event costs a process ~5 % of a core per 1,000/s (docs/scaling.md).
        self.tails: dict[int, asyncio.Task] = {}
        self.members: dict[int, set[Connection]] = defaultdict(set)  # shard -> its joined sockets
        self.cursors: dict[int, str] = {}
        self.ready: dict[int, asyncio.Event] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    @staticmethod
    def shard(conn: Connection) -> int:
        return shard_of(conn.who.tenant_id) % len(streams().shards)

    # -- membership of sockets and subscriptions

    async def join(self, conn: Connection) -> None:
        """Admit an authenticated socket once its organization's shard is being read."""
        self.connections.add(conn)
        self.stats.connections_total += 1
        if self.chores is None:
            self.chores = asyncio.create_task(self._chores(), name="realtime-hub-chores")
        shard = self.shard(conn)
        self.members[shard].add(conn)
        if shard not in self.tails:
            self.ready[shard] = asyncio.Event()
            self.tails[shard] = asyncio.create_task(self._tail(shard), name=f"realtime-hub-tail-{shard}")
        # Subscriptions made before the hub knows the shard's cursor could miss what lands
        # meanwhile. Raises TimeoutError while the event store is unreachable.
        await asyncio.wait_for(self.ready[shard].wait(), timeout=5)

    async def leave(self, conn: Connection) -> None:
        for sub in list(conn.subs.values()):
            self.detach(sub)
        self.connections.discard(conn)
        stopping = []
        if conn.identity is not None and conn in self.members.get(shard := self.shard(conn), ()):
            self.members[shard].discard(conn)
            if not self.members[shard]:  # the last socket of this shard: stop reading it
                del self.members[shard]
                self.cursors.pop(shard, None)
                self.ready.pop(shard, None)
                stopping.append(self.tails.pop(shard))
        if not self.connections and self.chores is not None:
            stopping.append(self.chores)
            self.chores = None
        for task in stopping:
            task.cancel()
        for task in stopping:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def attach(self, sub: Subscription) -> None:
        sub.conn.subs[sub.topic] = sub
        self.by_stream[(sub.conn.who.tenant_id, sub.topic)].add(sub)

    def detach(self, sub: Subscription) -> None:
        sub.conn.subs.pop(sub.topic, None)
        key = (sub.conn.who.tenant_id, sub.topic)
        subs = self.by_stream.get(key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.by_stream[key]

    def go_live(self, sub: Subscription) -> None:
        """End a replay: deliver what arrived meanwhile, in order, then deliver directly."""
        sub.replaying = False
        pending, sub.pending = sub.pending, []
        for entry in pending:
            self._deliver(sub, entry, None)

    # -- routing

    def _deliver(self, sub: Subscription, entry: Entry, frame: str | None) -> str | None:
        if entry.key <= sub.last:
            return frame  # already delivered by the replay: the seam never duplicates
        sub.last = entry.key
        if not visible(entry, sub.conn):
            return frame
        if sub.conn.closed:
            return frame
        frame = frame or entry.frame()
        if sub.conn.offer(frame):
            self.stats.delivered += 1
        else:  # offer() on an open socket fails only by closing it as too slow
            self.stats.closed_slow += 1
        return frame

    def dispatch(self, entries: list[Entry]) -> None:
        for entry in entries:
            self.stats.events += 1
            subs = self.by_stream.get((entry.tenant_id, entry.topic))
            if not subs:
                continue
            frame = None  # built at most once per event, shared by all its recipients
            for sub in tuple(subs):
                if sub.replaying:
                    if len(sub.pending) < PENDING_LIMIT:
                        sub.pending.append(entry)
                    elif not sub.conn.closed:
                        sub.conn.abort(Close.TOO_SLOW, "too_slow")
                        self.stats.closed_slow += 1
                    continue
                frame = self._deliver(sub, entry, frame)

    async def _tail(self, shard: int) -> None:
        store = streams()
        backoff = 0.5
        failed = False
        while True:
            try:
                if shard not in self.cursors:
                    self.cursors[shard] = await store.firehose_head(shard)
                    self.ready[shard].set()
                elif failed:
                    self.cursors[shard] = await store.reconcile(shard, self.cursors[shard])
                cursor, entries, gap = await store.tail(shard, self.cursors[shard], block_ms=2000, count=1000)
                backoff, failed = 0.5, False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "realtime hub cannot read events",
                    extra={"error": type(exc).__name__, "detail": str(exc)[:200], "shard": shard},
                )
                failed = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if gap:
                self._resync(shard)
            self.cursors[shard] = cursor
            # Hand over in slices and let the socket writers run in between: a healthy client
            # must never see a whole read's worth land in its queue at once.
            for start in range(0, len(entries), DISPATCH_SLICE):
                self.dispatch(entries[start : start + DISPATCH_SLICE])
                await asyncio.sleep(0)

    def _resync(self, shard: int) -> None:
        conns = list(self.members.get(shard, ()))
        logger.warning(
            "realtime hub fell behind the firehose; sockets must resume", extra={"sockets": len(conns), "shard": shard}
        )
        self.stats.resyncs += 1
        for conn in conns:
            conn.abort(Close.RESYNC, "resync")

    # -- chores

    async def _chores(self) -> None:
        heartbeat = settings.REALTIME_HEARTBEAT_SECONDS
        idle = settings.REALTIME_IDLE_TIMEOUT_SECONDS
        recheck_every = settings.REALTIME_RECHECK_SECONDS
        last_recheck = last_published = time.monotonic()
        ping = frames.dump("ping")
        while True:
            await asyncio.sleep(min(1.0, heartbeat / 2))
            now = time.monotonic()
            wall = time.time()
            for conn in tuple(self.connections):
                if conn.closed or conn.identity is None:
                    continue
                if now - conn.last_received > idle:
                    conn.abort(Close.IDLE, "idle")
                elif wall > conn.who.expires_at:
                    conn.abort(Close.UNAUTHORIZED, "token_expired")
                elif now - conn.last_ping >= heartbeat:
                    conn.last_ping = now
                    conn.offer(ping)
            if now - last_published >= 5:
                last_published = now
                await self._publish_snapshot()
            if now - last_recheck >= recheck_every:
                last_recheck = now
                try:
                    await self.recheck()
                except Exception as exc:
                    logger.warning("realtime credential re-check failed", extra={"error": type(exc).__name__})

    async def recheck(self) -> None:
        """Close sockets whose session was logged out or whose membership ended or changed."""
        conns = [c for c in self.connections if c.identity is not None and not c.closed]
        if not conns:
            return
        revoked = await database_sync_to_async(revoked_sessions)(
            sorted({c.who.session_id for c in conns if c.who.session_id})
        )
        roles = await database_sync_to_async(current_roles)(sorted({c.who.membership_id for c in conns}))
        for conn in conns:
            identity = conn.who
            if identity.session_id in revoked:
                conn.abort(Close.UNAUTHORIZED, "token_revoked")
            elif identity.membership_id not in roles:
                conn.abort(Close.FORBIDDEN, "membership_ended")
            elif roles[identity.membership_id] != identity.role:
                conn.abort(Close.FORBIDDEN, "membership_changed")

    async def _publish_snapshot(self) -> None:
        """Services mode: leave this process's figures in Redis for ``manage.py realtime_status``."""
        store = streams()
        if not hasattr(store, "connected"):
            return
        try:
            await (await store.connected()).set(f"{PROCESS_PREFIX}{PROCESS_ID}", json.dumps(self.snapshot()), ex=15)
        except Exception as exc:
            logger.debug("realtime snapshot not published", extra={"error": type(exc).__name__})

    def snapshot(self) -> dict:
        topics: dict[str, int] = defaultdict(int)
        for (_tenant, topic), subs in self.by_stream.items():
            topics[topic] += len(subs)
        return {
            "connections": len(self.connections),
            "subscriptions": sum(topics.values()),
            "subscriptions_by_topic": dict(sorted(topics.items())),
            "events_routed": self.stats.events,
            "deliveries": self.stats.delivered,
            "closed_too_slow": self.stats.closed_slow,
            "resyncs": self.stats.resyncs,
            "connections_total": self.stats.connections_total,
            **{name: read() for name, (_help, read) in COUNTERS.items()},
        }


_hubs: dict[int, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per process under daphne)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(id(loop))
    if found is None or found.loop is not loop:
        found = Hub()
        found.loop = loop
        _hubs[id(loop)] = found
    return found


def local_hubs() -> list[Hub]:
    return list(_hubs.values())
