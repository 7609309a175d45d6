"""One WebSocket's outgoing side: a bounded queue drained by a writer task.

Live events are offered without waiting; when a client does not read, its queue fills and the
socket is closed with ``Close.TOO_SLOW`` instead of growing server memory. Daphne hands every
frame to Twisted at once, so the queue alone would never fill: the writer stops draining while
Twisted reports the socket's write buffer full (``transport.producerPaused``: more than 64 KiB
the kernel would not take). Under any other ASGI server ``send`` itself waits for the peer,
which has the same effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from autobahn.exception import Disconnected  # daphne's WebSocket layer
from django.conf import settings

from realtime.frames import Close
from realtime.identity import Identity
from realtime.streams import ZERO, Entry, Key

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]


def daphne_protocol(send: Send) -> Any:
    """The daphne WebSocket protocol behind ``send``, if that is what serves us."""
    if isinstance(send, functools.partial) and send.args and hasattr(send.args[0], "serverSend"):
        return send.args[0]
    return None


@dataclass(eq=False)
class Subscription:
    conn: Connection
    topic: str
    last: Key = ZERO  # the newest position this subscription has passed; older ones are dropped
    replaying: bool = True
    pending: list[Entry] = field(default_factory=list)  # live entries that arrived during replay


class Connection:
    def __init__(self, send: Send, *, client: str = "") -> None:
        self._send = send
        self.client = client
        self.identity: Identity | None = None
        self.subs: dict[str, Subscription] = {}
        self.queue: deque[str] = deque()
        self.limit = settings.REALTIME_SEND_QUEUE
        self.wake = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()
        self.closed = False
        self.close_code: int | None = None
        self.last_received = time.monotonic()
        self.last_ping = time.monotonic()
        self.tokens = float(settings.REALTIME_INBOUND_BURST)
        self.tokens_at = time.monotonic()
        self.marks: dict[str, float] = {}  # activity hooks' own timestamps (realtime.inbound)
        self.writer: asyncio.Task | None = None
        protocol = daphne_protocol(send)
        self.transport = getattr(protocol, "transport", None)

    @property
    def who(self) -> Identity:
        """The authenticated identity: every subscription and frame handler runs after auth."""
        if self.identity is None:
            raise RuntimeError("the connection is not authenticated")
        return self.identity

    def stalled(self) -> bool:
        """Twisted holds more than it may for this socket: the peer is not reading."""
        return bool(getattr(self.transport, "producerPaused", False))

    async def start(self) -> None:
        self.writer = asyncio.create_task(self._write(), name="realtime-writer")

    def offer(self, frame: str) -> bool:
        """Queue a live frame without waiting; a full queue means the client is too slow."""
        if self.closed:
            return False
        if len(self.queue) >= self.limit:
            self.abort(Close.TOO_SLOW, "too_slow")
            return False
        self.queue.append(frame)
        self.wake.set()
        return True

    async def put(self, frame: str) -> bool:
        """Queue a frame the server paces itself (replies, replay): waits for room instead."""
        while not self.closed and len(self.queue) >= self.limit // 2:
            self.room.clear()
            await self.room.wait()
        return self.offer(frame)

    async def _write(self) -> None:
        try:
            while not self.closed:
                if not self.queue:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                if self.stalled():
                    await asyncio.sleep(0.01)
                    continue
                frame = self.queue.popleft()
                await self._send({"type": "websocket.send", "text": frame})
                if len(self.queue) < self.limit // 2:
                    self.room.set()
        except asyncio.CancelledError:
            return  # abort() or finish(): the normal end
        except Disconnected:  # the peer closed mid-send; the disconnect event follows
            self.closed = True
        except Exception:
            # The WebSocket layer refused the frame (over its message cap, say). Close rather
            # than leave a socket open that silently delivers nothing more.
            logger.warning("websocket send failed", exc_info=True, extra={"client": self.client})
            self.abort(Close.SERVER_ERROR, "send_failed")
        finally:
            self.room.set()

    def abort(self, code: int, reason: str) -> None:
        """Close now, dropping whatever is queued (sync: callable from the hub's dispatch)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.queue.clear()
        self.wake.set()
        self.room.set()
        logger.info(
            "websocket closed by server",
            extra={
                "code": code,
                "reason": reason,
                "client": self.client,
                "user": getattr(self.identity, "user_id", None),
            },
        )
        task = asyncio.ensure_future(self._close(code, reason))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _close(self, code: int, reason: str) -> None:
        if self.writer is not None:
            self.writer.cancel()
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": int(code), "reason": reason})

    async def finish(self) -> None:
        """After the disconnect: stop the writer."""
        self.closed = True
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.writer
