"""The live socket's capabilities, and which roles hold them (docs/permissions.md)."""

from __future__ import annotations

from core.roles import EVERYONE, capability

REALTIME_CONNECT = capability("realtime.connect", roles=EVERYONE, text="Open the live WebSocket")
REALTIME_MONITOR = capability(
    "realtime.monitor", roles=(), text="See the organization's live sockets, streams and outbox lag"
)
