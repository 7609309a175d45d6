"""The group commit: batches of fixes from all of a web process's sockets and tracker apps are
gathered for a few milliseconds and recorded in one transaction, since at thousands of points a
second one commit per frame would be the bottleneck. Each frame is acknowledged only after that
commit. Fixes faster than the tenant's live interval are held in the agent's state and
announced with the agent's next fix, or on the trailing edge if none comes. Socket activity
(presence) is gathered and written the same way.

Under overload the ingester sheds instead of queueing: a frame that waited longer than
``LOCATIONS_QUEUE_BUDGET_MS`` to be recorded, or that finds ``LOCATIONS_QUEUE_MAX_FRAMES``
ahead of it, is answered at once with ``unavailable`` and a retry hint; the phone keeps its
points and sends them again (docs/field.md, "Overload").
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from core.logging import retried
from domains.tracking import services
from realtime.inbound import counter

logger = logging.getLogger(__name__)

SEEN_FLUSH_SECONDS = 1.0  # socket activity is gathered this long, to be written together

Key = tuple[int, int]  # (tenant, agent)


# This process's ingest figures (all event loops): batches and frames recorded, frames shed.
STATS = {"batches": 0, "frames": 0, "shed": 0}
counter("locations_batches", "Gathered batches of live location frames recorded.", lambda: STATS["batches"])
counter("locations_frames", "Live location frames recorded.", lambda: STATS["frames"])
counter("locations_shed", "Live location frames refused unrecorded under overload.", lambda: STATS["shed"])


class Overloaded(Exception):
    """The frame was refused unrecorded: the ingester is behind its budget."""


@dataclass(eq=False)
class _Waiter:
    batch: services.Batch
    future: asyncio.Future
    queued_at: float = field(default_factory=time.monotonic)


class Ingester:
    """One per event loop: gathers batches, records them together, resolves each waiter."""

    def __init__(self) -> None:
        self.queue: list[_Waiter] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.trailing: dict[Key, float] = {}  # agent -> when to announce its held fixes
        self.trailer: asyncio.Task | None = None
        self.seen: set[Key] = set()
        self.seen_task: asyncio.Task | None = None

    async def submit(self, batch: services.Batch) -> services.Receipt:
        if len(self.queue) >= settings.LOCATIONS_QUEUE_MAX_FRAMES:
            STATS["shed"] += 1
            raise Overloaded
        waiter = _Waiter(batch, asyncio.get_running_loop().create_future())
        self.queue.append(waiter)
        self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="locations-ingest")
        return await waiter.future

    async def _run(self) -> None:
        wait = settings.LOCATIONS_BATCH_WAIT_MS / 1000
        limit = settings.LOCATIONS_BATCH_MAX_FRAMES
        budget = settings.LOCATIONS_QUEUE_BUDGET_MS / 1000
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
            stale = time.monotonic() - budget
            for waiter in [w for w in taken if w.queued_at < stale]:
                taken.remove(waiter)
                STATS["shed"] += 1
                if not waiter.future.done():
                    waiter.future.set_exception(Overloaded())
            if not taken:
                flushing.release()
                continue
            task = asyncio.create_task(self._flush(taken))
            task.add_done_callback(lambda _t: flushing.release())

    async def _flush(self, taken: list[_Waiter]) -> None:
        """Record one gathered batch in an ingest thread; each socket awaits its own frame's
        receipt before reading its next frame, so an agent's frames stay in order even while
        several batches are in flight."""
        batches = [waiter.batch for waiter in taken]
        try:
            receipts = await asyncio.get_running_loop().run_in_executor(
                _pool(), _in_thread, services.record_live, batches
            )
        except Exception as exc:
            retried(logger, "location batch not recorded", exc, frames=len(taken))
            for waiter in taken:
                if not waiter.future.done():
                    waiter.future.set_exception(exc)
            return
        STATS["batches"] += 1
        STATS["frames"] += len(taken)
        now = time.monotonic()
        for waiter, receipt in zip(taken, receipts, strict=True):
            if not waiter.future.done():
                waiter.future.set_result(receipt)
            key = (waiter.batch.tenant_id, waiter.batch.agent_id)
            if receipt.hold_seconds is None:
                self.trailing.pop(key, None)  # announced with this fix
            else:
                self.trailing.setdefault(key, now + receipt.hold_seconds)
        if self.trailing and (self.trailer is None or self.trailer.done()):
            self.trailer = asyncio.create_task(self._trail(), name="locations-trailing")

    async def _trail(self) -> None:
        """The trailing edge: announce held fixes of agents whose next fix did not come."""
        while self.trailing:
            await asyncio.sleep(max(0.02, min(self.trailing.values()) - time.monotonic()))
            now = time.monotonic()
            due = {key for key, at in self.trailing.items() if at <= now}
            for key in due:
                del self.trailing[key]
            if not due:
                continue
            try:
                later = await asyncio.get_running_loop().run_in_executor(
                    _pool(), _in_thread, services.announce_held, due
                )
            except Exception as exc:
                retried(logger, "held fixes not announced", exc)
                continue
            at = time.monotonic()
            for key, wait in later.items():
                self.trailing.setdefault(key, at + wait)

    def mark_seen(self, key: Key) -> None:
        """Socket activity of an agent, written with others' a second later."""
        self.seen.add(key)
        if self.seen_task is None or self.seen_task.done():
            self.seen_task = asyncio.create_task(self._write_seen(), name="locations-seen")

    async def _write_seen(self) -> None:
        await asyncio.sleep(SEEN_FLUSH_SECONDS)
        keys, self.seen = self.seen, set()
        try:
            await asyncio.get_running_loop().run_in_executor(_pool(), _in_thread, services.mark_seen, keys)
        except Exception as exc:
            retried(logger, "agent activity not recorded", exc)


_ingesters: dict[int, Ingester] = {}
_threads: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """The process's ingest threads, apart from Channels' one database thread: recording a
    batch waits on PostgreSQL, and other sockets' sign-ins must not queue behind it."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(_threads_wanted() + 1, thread_name_prefix="locations-ingest")
    return _threads


def _threads_wanted() -> int:
    # SQLite takes one writer at a time: a second thread would only wait on its lock.
    return 1 if connection.vendor == "sqlite" else max(1, settings.LOCATIONS_INGEST_THREADS)


def _in_thread(work: Any, *args: Any) -> Any:
    close_old_connections()  # as Channels' database_sync_to_async does around each call
    try:
        return work(*args)
    finally:
        close_old_connections()


def ingester() -> Ingester:
    loop_id = id(asyncio.get_running_loop())
    found = _ingesters.get(loop_id)
    if found is None:
        found = _ingesters[loop_id] = Ingester()
    return found


WAIT_SECONDS = 30.0  # a web worker thread waits this long at most for the loop's commit


async def _submit(batch: services.Batch) -> services.Receipt:
    return await ingester().submit(batch)


def record_waiting(batch: services.Batch, loop: asyncio.AbstractEventLoop | None) -> services.Receipt:
    """From a web worker thread (a tracker app's request): the batch joins ``loop``'s group
    commit with the sockets' frames, so many apps' requests share one commit, and a held fix
    is announced on the trailing edge as a socket's is. Without a serving loop (the test
    client, a command) it is recorded alone. Returns once committed; raises Overloaded when
    shed, as ``submit`` does."""
    if loop is None:
        (receipt,) = services.record([batch])
        return receipt
    future = asyncio.run_coroutine_threadsafe(_submit(batch), loop)
    try:
        return future.result(timeout=WAIT_SECONDS)
    except FutureTimeout as exc:
        # Not known to be stored: the app sends the point again, and a stored one counts as
        # a duplicate then.
        future.cancel()
        raise Overloaded from exc


def retry_after_ms() -> int:
    """When a refused phone should try again: a budget's worth, spread so they do not return
    together."""
    budget = settings.LOCATIONS_QUEUE_BUDGET_MS
    return int(budget + random.uniform(0, 2 * budget))
