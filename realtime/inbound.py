"""What domains add to the live socket without the gateway knowing them: client frame types
(an agent's ``location``), a snapshot sent on subscribe (every agent's current position), and
activity hooks (an agent's presence). Registered at app start (``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from realtime.connection import Connection
from realtime.identity import Identity


@dataclass(frozen=True)
class FrameHandler:
    type: str
    capability: str
    # Answers the frame with the reply frame's text; raises ``FrameError`` for a bad one.
    handle: Callable[[Connection, dict[str, Any]], Awaitable[str]]


FRAME_HANDLERS: dict[str, FrameHandler] = {}
# topic -> the snapshot for this member, as the fields of one or more ``snapshot`` frames
# (parts keep each frame well under the WebSocket message limit). Sync: runs in the database
# thread.
SNAPSHOTS: dict[str, Callable[[Identity], list[dict[str, Any]]]] = {}
# Called after authentication and on every frame received; each hook throttles itself.
ACTIVITY_HOOKS: list[Callable[[Connection], Awaitable[None]]] = []
# name -> (help text, this process's running total): shown by ``manage.py realtime_status`` and
# ``/metrics`` (as ``oqim_<name>_total``) beside the gateway's own figures.
COUNTERS: dict[str, tuple[str, Callable[[], int]]] = {}


def frame_handler(type: str, *, capability: str) -> Callable:
    def register(fn: Callable[[Connection, dict[str, Any]], Awaitable[str]]) -> Callable:
        FRAME_HANDLERS[type] = FrameHandler(type=type, capability=capability, handle=fn)
        return fn

    return register


def snapshot(topic: str) -> Callable:
    def register(fn: Callable[[Identity], list[dict[str, Any]]]) -> Callable:
        SNAPSHOTS[topic] = fn
        return fn

    return register


def counter(name: str, help: str, read: Callable[[], int]) -> None:
    COUNTERS[name] = (help, read)


def activity_hook(fn: Callable[[Connection], Awaitable[None]]) -> Callable[[Connection], Awaitable[None]]:
    ACTIVITY_HOOKS.append(fn)
    return fn
