"""The breadcrumbs on the live socket: the agents' ``location`` frame (recorded through the group
commit, ``group_commit.py``), the dashboards' snapshot of every agent on subscribe, and socket
activity for presence."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ValidationError

from core.errors import field_errors
from core.roles import Role
from domains.tracking import selectors, services
from domains.tracking.group_commit import Overloaded, ingester, retry_after_ms
from domains.tracking.models import Source
from domains.tracking.point_format import parse_points
from realtime import frames
from realtime.connection import Connection
from realtime.frames import FrameError
from realtime.identity import Identity
from realtime.inbound import activity_hook, frame_handler, snapshot

SEEN_EVERY_SECONDS = 30.0  # socket activity is written at most this often per socket


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
    except Overloaded as exc:
        raise FrameError(
            "unavailable",
            "The server is busy; keep the points and send them again after retry_after_ms.",
            ref=ref,
            retry_after_ms=retry_after_ms(),
        ) from exc
    except Exception as exc:
        raise FrameError(
            "unavailable",
            "The points were not stored; keep them and send them again.",
            ref=ref,
            retry_after_ms=retry_after_ms(),
        ) from exc
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
    ingester().mark_seen((who.tenant_id, who.user_id))
