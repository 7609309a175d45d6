"""The WebSocket wire format (docs/realtime.md, docs/asyncapi.yaml): close codes, error codes,
and parsing of what clients send. Every frame is one JSON object with a ``type``."""

from __future__ import annotations

import json
from collections.abc import Collection
from enum import IntEnum
from typing import Any

from core.parsers import TooDeep, loads


class Close(IntEnum):
    """Close codes the gateway sends (all 4xxx: the WebSocket layer lets applications send no
    other). Below them, it drops a peer that stops answering protocol pings, or sends a message
    over 1 MiB, without a close frame: clients see 1006."""

    UNAUTHORIZED = 4001  # no, bad, expired or revoked credentials: refresh, then reconnect
    FORBIDDEN = 4003  # the membership ended or changed, or may not use the live socket
    TOO_SLOW = 4008  # the client did not read fast enough: its outgoing buffer filled
    IDLE = 4009  # nothing received for REALTIME_IDLE_TIMEOUT_SECONDS (answer pings)
    RESYNC = 4010  # this process lost part of the live feed: reconnect and resume
    FRAME_TOO_BIG = 4011  # a frame above REALTIME_MAX_FRAME_BYTES
    TRY_AGAIN_LATER = 4013  # the event store is unreachable: reconnect with backoff and resume
    RATE_LIMITED = 4029  # kept sending faster than REALTIME_INBOUND_RATE
    SERVER_ERROR = 4500  # the server failed to send a frame (a bug, logged): reconnect and resume


class FrameError(Exception):
    """A bad client frame: answered with an ``error`` frame, the socket stays open."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        ref: Any = None,
        topic: str | None = None,
        fields: dict[str, Any] | None = None,
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.topic = topic
        self.fields = fields  # for a frame with bad fields: REST's dotted paths and codes
        self.retry_after_ms = retry_after_ms  # for ``unavailable``: when to send it again


CLIENT_TYPES = {"auth", "subscribe", "unsubscribe", "ping", "pong"}


def parse(text: str | None, raw: bytes | None, extra_types: Collection[str] = ()) -> dict[str, Any]:
    """One client frame as a dict with a known ``type`` (the gateway's own or one of
    ``extra_types``, which domains register in ``realtime.inbound``); raises ``FrameError``
    otherwise."""
    if text is None:
        if raw is None:
            raise FrameError("invalid_frame", "Empty frame.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FrameError("invalid_json", "Frames are UTF-8 JSON text.") from exc
    try:
        frame = loads(text)
    except TooDeep as exc:
        raise FrameError("invalid_json", str(exc)) from exc
    except ValueError as exc:
        raise FrameError("invalid_json", "The frame is not valid JSON.") from exc
    if not isinstance(frame, dict):
        raise FrameError("invalid_frame", "A frame is a JSON object with a 'type'.")
    kind = frame.get("type")
    ref = frame.get("ref")
    ref = ref if isinstance(ref, str | int) and not isinstance(ref, bool) else None
    if not isinstance(kind, str):
        raise FrameError("invalid_frame", "'type' must be a string.", ref=ref)
    if kind not in CLIENT_TYPES and kind not in extra_types:
        raise FrameError("unknown_type", f"Unknown frame type {kind!r}.", ref=ref)
    for name in ("topic", "since", "token"):
        if name in frame and not isinstance(frame[name], str):
            raise FrameError("invalid_frame", f"'{name}' must be a string.", ref=ref)
    if kind in ("subscribe", "unsubscribe") and not frame.get("topic"):
        raise FrameError("invalid_frame", "'topic' is required.", ref=ref)
    if kind == "auth" and not frame.get("token"):
        raise FrameError("invalid_frame", "'token' is required.", ref=ref)
    frame["ref"] = ref
    return frame


def dump(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **{k: v for k, v in fields.items() if v is not None}}, separators=(",", ":"))


def error(
    code: str,
    message: str,
    *,
    ref: Any = None,
    topic: str | None = None,
    fields: dict[str, Any] | None = None,
    retry_after_ms: int | None = None,
) -> str:
    return dump("error", code=code, message=message, ref=ref, topic=topic, fields=fields, retry_after_ms=retry_after_ms)
