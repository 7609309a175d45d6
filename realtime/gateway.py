"""The live WebSocket gateway ``/ws/``: authenticate, then subscribe to topics, with resume.

A plain ASGI application under Channels' URL router, not a Channels consumer: no channel layer,
no receive loop of its own per socket (docs/decisions.md, "Live events").

The protocol is in docs/realtime.md and docs/asyncapi.yaml. This module only speaks it: who may
subscribe is ``realtime.topics``, what an event is and who may see it is the emitting domain's,
and routing is the hub's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework.exceptions import APIException, AuthenticationFailed, PermissionDenied

from core.logging import retried
from core.roles import has_capability
from core.timezones import iso_z
from realtime import frames, identity
from realtime.connection import Connection, Subscription
from realtime.frames import Close, FrameError
from realtime.hub import Hub, hub, visible
from realtime.inbound import ACTIVITY_HOOKS, FRAME_HANDLERS, SNAPSHOTS
from realtime.streams import InvalidPosition, format_position, parse_position, streams
from realtime.topics import TOPICS, may_subscribe

logger = logging.getLogger(__name__)

REPLAY_BATCH = 500


def _code(exc: APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else "token_invalid"


class LiveSession:
    def __init__(self, conn: Connection, the_hub: Hub) -> None:
        self.conn = conn
        self.hub = the_hub

    # -- authentication

    async def authenticate(self, scope: dict[str, Any], receive: Any) -> bool:
        ticket = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket", [None])[0]
        try:
            if ticket:
                self.conn.identity = await database_sync_to_async(identity.from_ticket)(ticket)
                return True
            # No ticket: the first frame must be {"type": "auth", "token": "<access token>"}.
            try:
                message = await asyncio.wait_for(receive(), settings.REALTIME_AUTH_TIMEOUT_SECONDS)
            except TimeoutError:
                self.conn.abort(Close.UNAUTHORIZED, "auth_timeout")
                return False
            if message["type"] != "websocket.receive":
                return False
            try:
                frame = frames.parse(message.get("text"), message.get("bytes"), FRAME_HANDLERS)
            except FrameError as exc:
                self.conn.abort(Close.UNAUTHORIZED, exc.code)
                return False
            if frame["type"] != "auth":
                self.conn.abort(Close.UNAUTHORIZED, "auth_required")
                return False
            self.conn.identity = await database_sync_to_async(identity.from_access_token)(frame["token"])
            return True
        except AuthenticationFailed as exc:
            self.conn.abort(Close.UNAUTHORIZED, _code(exc))
        except PermissionDenied as exc:
            self.conn.abort(Close.FORBIDDEN, _code(exc))
        return False

    def welcome(self) -> str:
        who = self.conn.who
        return frames.dump(
            "welcome",
            connection=uuid.uuid4().hex,
            user=who.user_id,
            tenant=who.tenant_id,
            role=who.role,
            topics=[t.name for t in TOPICS.values() if may_subscribe(who.role, t)],
            expires_at=iso_z(datetime.fromtimestamp(who.expires_at, tz=UTC)),
            heartbeat_seconds=settings.REALTIME_HEARTBEAT_SECONDS,
            idle_timeout_seconds=settings.REALTIME_IDLE_TIMEOUT_SECONDS,
        )

    # -- frames

    def allow_frame(self) -> bool:
        """Token bucket; a client that keeps flooding past an empty bucket is closed."""
        conn = self.conn
        now = time.monotonic()
        conn.tokens = min(
            settings.REALTIME_INBOUND_BURST, conn.tokens + (now - conn.tokens_at) * settings.REALTIME_INBOUND_RATE
        )
        conn.tokens_at = now
        conn.tokens -= 1
        if conn.tokens >= 0:
            return True
        if conn.tokens < -settings.REALTIME_INBOUND_BURST:
            conn.abort(Close.RATE_LIMITED, "rate_limited")
        return False

    async def handle(self, message: dict[str, Any]) -> None:
        conn = self.conn
        conn.last_received = time.monotonic()
        text, raw = message.get("text"), message.get("bytes")
        if len(text or raw or "") > settings.REALTIME_MAX_FRAME_BYTES:
            conn.abort(Close.FRAME_TOO_BIG, "frame_too_big")
            return
        if not self.allow_frame():
            if not conn.closed:
                await conn.put(frames.error("rate_limited", "Too many frames; this one was dropped."))
            return
        try:
            frame = frames.parse(text, raw, FRAME_HANDLERS)
            kind = frame["type"]
            if kind == "subscribe":
                await self.subscribe(frame["topic"], frame.get("since"), frame["ref"])
            elif kind == "unsubscribe":
                await self.unsubscribe(frame["topic"], frame["ref"])
            elif kind == "ping":
                await conn.put(frames.dump("pong", ref=frame["ref"]))
            elif kind == "auth":
                await self.reauthenticate(frame["token"], frame["ref"])
            elif kind in FRAME_HANDLERS:
                handler = FRAME_HANDLERS[kind]
                if not has_capability(conn.who.role, handler.capability):
                    raise FrameError("forbidden_frame", f"Your role may not send {kind!r} frames.", ref=frame["ref"])
                await conn.put(await handler.handle(conn, frame))
            # "pong" needs nothing: receiving it already counted as activity.
        except FrameError as exc:
            await conn.put(
                frames.error(
                    exc.code,
                    exc.message,
                    ref=exc.ref,
                    topic=exc.topic,
                    fields=exc.fields,
                    retry_after_ms=exc.retry_after_ms,
                )
            )
        await self.active()

    async def active(self) -> None:
        for hook in ACTIVITY_HOOKS:
            try:
                await hook(self.conn)
            except Exception as failure:
                retried(logger, "websocket activity hook failed", failure)

    async def reauthenticate(self, token: str, ref: Any) -> None:
        """A fresh access token for the same member extends the socket's life."""
        try:
            fresh = await database_sync_to_async(identity.from_access_token)(token)
        except (AuthenticationFailed, PermissionDenied) as exc:
            raise FrameError(_code(exc), str(exc.detail), ref=ref) from exc
        current = self.conn.who
        if (fresh.user_id, fresh.tenant_id) != (current.user_id, current.tenant_id):
            raise FrameError("auth_mismatch", "The token belongs to another member.", ref=ref)
        if fresh.role != current.role:
            self.conn.abort(Close.FORBIDDEN, "membership_changed")
            return
        self.conn.identity = fresh
        await self.conn.put(
            frames.dump("authenticated", ref=ref, expires_at=iso_z(datetime.fromtimestamp(fresh.expires_at, tz=UTC)))
        )

    async def subscribe(self, name: str, since: str | None, ref: Any) -> None:
        conn = self.conn
        topic = TOPICS.get(name)
        if topic is None:
            raise FrameError("unknown_topic", f"There is no topic {name!r}.", ref=ref, topic=name)
        if not may_subscribe(conn.who.role, topic):
            raise FrameError("forbidden_topic", f"Your role may not subscribe to {name!r}.", ref=ref, topic=name)
        if name in conn.subs:
            raise FrameError("already_subscribed", f"Already subscribed to {name!r}.", ref=ref, topic=name)
        if len(conn.subs) >= settings.REALTIME_MAX_SUBSCRIPTIONS:
            raise FrameError("too_many_subscriptions", "Unsubscribe from something first.", ref=ref, topic=name)
        if since is not None:
            try:
                since_key = parse_position(since)
            except InvalidPosition as exc:
                raise FrameError(
                    "invalid_position", "'since' is a position from an event or ack.", ref=ref, topic=name
                ) from exc
        store = streams()
        tenant_id = conn.who.tenant_id
        # Attach first (live events queue up in ``pending``), then read: nothing can fall between.
        sub = Subscription(conn=conn, topic=name)
        self.hub.attach(sub)
        try:
            if since is None:
                head = await store.head(tenant_id, name)
                sub.last = parse_position(head)
                await conn.put(frames.dump("subscribed", ref=ref, topic=name, position=head))
            else:
                sub.last = since_key
                if not await self._replay(sub, ref):
                    return
        except FrameError:
            self.hub.detach(sub)
            raise
        except Exception as exc:
            self.hub.detach(sub)
            logger.warning("subscribe failed: event store unavailable", extra={"error": type(exc).__name__})
            raise FrameError(
                "unavailable", "Events are unavailable right now; retry shortly.", ref=ref, topic=name
            ) from exc
        if name in SNAPSHOTS:
            # The current state, before any live event: events queued meanwhile follow it.
            try:
                parts = await database_sync_to_async(SNAPSHOTS[name])(conn.identity)
            except Exception as exc:
                self.hub.detach(sub)
                logger.warning("subscribe failed: snapshot unavailable", extra={"error": type(exc).__name__})
                raise FrameError(
                    "unavailable", "The current state is unavailable; retry shortly.", ref=ref, topic=name
                ) from exc
            for number, fields in enumerate(parts, start=1):
                await conn.put(frames.dump("snapshot", ref=ref, topic=name, part=number, parts=len(parts), **fields))
        self.hub.go_live(sub)

    async def _replay(self, sub: Subscription, ref: Any) -> bool:
        """Send what came after ``sub.last``; False if the client must resync instead."""
        conn, store = self.conn, streams()
        tenant_id, since = conn.who.tenant_id, format_position(sub.last)
        acknowledged = False
        while True:
            batch = await store.read(tenant_id, sub.topic, format_position(sub.last), REPLAY_BATCH)
            if not batch.complete:
                self.hub.detach(sub)
                if acknowledged:  # trimmed under our feet mid-replay
                    await conn.put(frames.dump("unsubscribed", topic=sub.topic, reason="resync_required"))
                await conn.put(
                    frames.dump("resync_required", ref=ref, topic=sub.topic, since=since, position=batch.head)
                )
                return False
            if not acknowledged:
                await conn.put(frames.dump("subscribed", ref=ref, topic=sub.topic, position=since, head=batch.head))
                acknowledged = True
            for entry in batch.entries:
                sub.last = entry.key
                if visible(entry, conn):
                    await conn.put(entry.frame())
            conn.last_received = time.monotonic()  # a long replay is activity, not idleness
            if len(batch.entries) < REPLAY_BATCH or conn.closed:
                return True

    async def unsubscribe(self, name: str, ref: Any) -> None:
        sub = self.conn.subs.get(name)
        if sub is None:
            raise FrameError("not_subscribed", f"Not subscribed to {name!r}.", ref=ref, topic=name)
        self.hub.detach(sub)
        await self.conn.put(frames.dump("unsubscribed", ref=ref, topic=name, position=format_position(sub.last)))


async def live_socket(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI application for ``/ws/``."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    client = scope.get("client") or ("", 0)
    conn = Connection(send, client=f"{client[0]}:{client[1]}")
    await conn.start()
    the_hub = hub()
    session = LiveSession(conn, the_hub)
    try:
        if not await session.authenticate(scope, receive):
            await _drain(receive)
            return
        try:
            await the_hub.join(conn)
        except TimeoutError:
            conn.abort(Close.TRY_AGAIN_LATER, "unavailable")
            await _drain(receive)
            return
        await conn.put(session.welcome())
        await session.active()
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            if conn.closed:
                continue  # closing: ignore what still arrives until the disconnect
            try:
                await session.handle(message)
            except Exception:
                logger.exception("websocket frame failed")
                await conn.put(frames.error("internal_error", "The server failed on this frame; it was not applied."))
    finally:
        await the_hub.leave(conn)
        await conn.finish()


async def _drain(receive: Any) -> None:
    """After closing, wait for the disconnect (bounded) so the server can clean up."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            while (await receive())["type"] != "websocket.disconnect":
                continue
