"""The 1C exchange for the benches: the organization's connection, an exchange queued as the
schedule would queue it, and waiting for its journal row to end."""

from __future__ import annotations

import time

from core.models import Organization
from domains.onec import services, tasks
from domains.onec.models import Exchange


def connect(tenant: Organization, primary: str, failover: str) -> None:
    services.connection_save(tenant=tenant, wsdl_url=primary, failover_url=failover, page_size=1000, timeout_seconds=60)


def queue_exchange(tenant: Organization) -> None:
    tasks.exchange.send(tenant.pk, "manual")


def wait_for_exchange(tenant: Organization, after_id: int, limit: float) -> Exchange:
    """The first exchange after ``after_id`` that has ended."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = Exchange.objects.filter(tenant=tenant, pk__gt=after_id).exclude(status="running").first()
        if done is not None:
            return done
        time.sleep(0.05)
    raise SystemExit("the exchange did not finish in time")
