"""A simulated 1C (primary and failover ports over real HTTP), for any test that needs one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from domains.onec.simulator import Base, Faults, serve


@dataclass
class Onec:
    base: Base
    primary: Faults
    failover: Faults
    primary_url: str
    failover_url: str


@contextmanager
def simulated_1c(**sizes: int) -> Iterator[Onec]:
    base = Base(
        **{"clients": 120, "products": 40, "price_types": 2, "warehouses": 2, **sizes},
        username="exchange",
        password="s3cret-1c",
    )
    primary, failover = Faults(hang_seconds=3), Faults(hang_seconds=3)
    servers = serve(base, [primary, failover])
    urls = [f"http://127.0.0.1:{s.server_address[1]}/exchange?wsdl" for s in servers]
    try:
        yield Onec(base, primary, failover, *urls)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def connect(tenant, onec: Onec):  # type: ignore[no-untyped-def]
    from domains.onec import services

    return services.connection_save(
        tenant=tenant,
        wsdl_url=onec.primary_url,
        failover_url=onec.failover_url,
        username="exchange",
        password="s3cret-1c",
        timeout_seconds=1,
        page_size=100,
    )
