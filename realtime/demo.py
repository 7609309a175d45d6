"""The demo's events reach the apps that follow them before ``seed_demo`` returns, as a worker
would hand them over a moment later: the demo's notification log and webhook deliveries are
there when the console first opens."""

from __future__ import annotations

from core.models import Organization
from realtime.fanout import fan_out


def settle(tenant: Organization) -> None:
    fan_out()
