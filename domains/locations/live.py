"""The breadcrumbs on the live socket: the agents' ``location`` frame, the dashboards' snapshot of
every agent on subscribe, and socket activity for presence.

Frames from all the process's sockets are gathered for a few milliseconds and recorded in one
transaction (group commit): at thousands of points a second one commit per frame would be the
bottleneck. Each frame is acknowledged only after that commit. Fixes faster than the tenant's
live interval are held in the agent's state and announced on the trailing edge.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from rest_framework.exceptions import ValidationError

from core.errors import field_errors
from core.roles import Role
from domains.locations import selectors, services
from domains.locations.models import Source
from domains.locations.points import parse_points
from realtime import frames
from realtime.connection import Connection
from realtime.frames import FrameError
from realtime.identity import Identity
from realtime.inbound import activity_hook, frame_handler, snapshot

logger = logging.getLogger(__name__)

SEEN_EVERY_SECONDS = 30.0  # socket activity is written at most this often per socket


class Ingester:
    """One per event loop: gathers batches, records them together, resolves each waiter."""

    def __init__(self) -> None:
        self.queue: list[tuple[services.Batch, asyncio.Future]] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.trailing: dict[tuple[int, int], float] = {}  # agent -> when its held fixes are due
        self.trailer: asyncio.Task | None = None

    async def submit(self, batch: services.Batch) -> services.Receipt:
        future = asyncio.get_running_loop().create_future()
        self.queue.append((batch, future))
        self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="locations-ingest")
        return await future

    async def _run(self) -> None:
        wait = settings.LOCATIONS_BATCH_WAIT_MS / 1000
        limit = settings.LOCATIONS_BATCH_MAX_FRAMES
        flushing = asyncio.Semaphore(_threads_wanted())
        while True:
            await self.wake.wait()
            self.wake.clear()
            if wait:
                await asyncio.sleep(wait)  # let frames arriving together share one commit
            await flushing.acquire()  # while every thread is busy, frames keep gathering
            taken, self.queue = self.queue[:limit], self.queue[limit:]
            if self.queue:
                self.wake.set()
            if not taken:
                flushing.release()
                continue
            task = asyncio.create_task(self._flush(taken))
            task.add_done_callback(lambda _t: flushing.release())

    async def _flush(self, taken: list[tuple[services.Batch, asyncio.Future]]) -> None:
        """Record one gathered batch in an ingest thread; each socket awaits its own frame's
        receipt before reading its next frame, so an agent's frames stay in order even while
        several batches are in flight."""
        batches = [batch for batch, _ in taken]
        try:
            receipts = await asyncio.get_running_loop().run_in_executor(_pool(), _record, batches)
        except Exception as exc:
            logger.warning(
                "location batch not recorded",
                exc_info=True,
                extra={"error": type(exc).__name__, "frames": len(taken)},
            )
            for _, future in taken:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), receipt in zip(taken, receipts, strict=True):
            if not future.done():
                future.set_result(receipt)
        held = {(b.tenant_id, b.agent_id) for b, r in zip(batches, receipts, strict=True) if r.held}
        if held:
            self._hold(held, 0.0)

    def _hold(self, keys: set[tuple[int, int]], wait: float) -> None:
        """Come back to agents whose fixes are held, so they are announced even if the agent
        falls silent (the trailing edge of the coalescing)."""
        due = time.monotonic() + wait
        for key in keys:
            self.trailing[key] = min(self.trailing.get(key, due), due)
        if self.trailer is None or self.trailer.done():
            self.trailer = asyncio.create_task(self._trail(), name="locations-trailing")

    async def _trail(self) -> None:
        while self.trailing:
            await asyncio.sleep(max(0.02, min(self.trailing.values()) - time.monotonic()))
            now = time.monotonic()
            due = {key for key, at in self.trailing.items() if at <= now}
            for key in due:
                del self.trailing[key]
            if not due:
                continue
            try:
                later = await database_sync_to_async(services.announce_held)(due)
            except Exception as exc:
                logger.warning("held fixes not announced", exc_info=True, extra={"error": type(exc).__name__})
                continue
            for key, wait in later.items():
                self._hold({key}, wait)


_ingesters: dict[int, Ingester] = {}
_threads: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """The process's ingest threads, apart from Channels' one database thread: recording a
    batch waits on PostgreSQL, and other sockets' sign-ins must not queue behind it."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(_threads_wanted(), thread_name_prefix="locations-ingest")
    return _threads


def _threads_wanted() -> int:
    # SQLite takes one writer at a time: a second thread would only wait on its lock.
    return 1 if connection.vendor == "sqlite" else max(1, settings.LOCATIONS_INGEST_THREADS)


def _record(batches: list[services.Batch]) -> list[services.Receipt]:
    close_old_connections()  # as Channels' database_sync_to_async does around each call
    try:
        return services.record(batches, gate=services.interval_elapsed)
    finally:
        close_old_connections()


def ingester() -> Ingester:
    loop_id = id(asyncio.get_running_loop())
    found = _ingesters.get(loop_id)
    if found is None:
        found = _ingesters[loop_id] = Ingester()
    return found


@frame_handler("location", capability="locations.report")
async def location_frame(conn: Connection, frame: dict[str, Any]) -> str:
    """``{"type": "location", "ref": ..., "points": [...]}`` → ``location_ack`` once stored."""
    ref = frame["ref"]
    try:
        fixes = parse_points(frame.get("points"), limit=settings.LOCATIONS_MAX_POINTS_PER_FRAME)
    except ValidationError as exc:
        raise FrameError(
            "invalid_location", "Some points are invalid; none was stored.", ref=ref, fields=field_errors(exc)
        ) from exc
    who: Identity = conn.identity
    batch = services.Batch(tenant_id=who.tenant_id, agent_id=who.user_id, fixes=fixes, source=Source.LIVE)
    try:
        receipt = await ingester().submit(batch)
    except Exception as exc:
        raise FrameError("unavailable", "The points were not stored; keep them and send them again.", ref=ref) from exc
    conn.marks["locations.seen"] = time.monotonic()  # a stored fix counts as activity already
    return frames.dump("location_ack", ref=ref, **receipt.as_dict())


SNAPSHOT_PART = 100  # agents per snapshot frame: about 35 KB, so no one frame hogs a socket


@snapshot("agents.locations")
def agents_snapshot(identity: Identity) -> list[dict[str, Any]]:
    agents = selectors.agents_snapshot(tenant_id=identity.tenant_id)
    return [{"agents": agents[i : i + SNAPSHOT_PART]} for i in range(0, len(agents), SNAPSHOT_PART)] or [{"agents": []}]


@activity_hook
async def agent_seen(conn: Connection) -> None:
    """A field agent's open socket counts for presence (idle rather than offline)."""
    who = conn.identity
    if who is None or who.role != Role.AGENT:
        return
    now = time.monotonic()
    if now - conn.marks.get("locations.seen", -SEEN_EVERY_SECONDS) < SEEN_EVERY_SECONDS:
        return
    conn.marks["locations.seen"] = now
    await database_sync_to_async(services.mark_seen)(tenant_id=who.tenant_id, agent_id=who.user_id)
