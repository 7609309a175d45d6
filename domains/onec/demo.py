"""Demo 1C for `make run`: the demo organization's catalog and clients come from a real exchange
with the simulated 1C, started here for the seed over loopback HTTP. Skipped once connected.

Afterwards the connection points where `manage.py simulate_1c` listens by default, switched off
and at message 0 (the simulator's exchange plan starts afresh each time it starts): run the
simulator, enable the connection, and exchanges go on from there (docs/catalog.md)."""

from __future__ import annotations

from core.models import Membership, Organization
from core.roles import Role
from domains.catalog import api as catalog
from domains.clients import api as clients
from domains.onec import services
from domains.onec.models import Connection
from domains.onec.simulator import Base, Faults, serve

SIMULATOR = "http://127.0.0.1:8101/exchange?wsdl"
SIMULATOR_FAILOVER = "http://127.0.0.1:8102/exchange?wsdl"


def seed(tenant: Organization) -> None:
    if Connection.objects.filter(tenant=tenant).exists():
        return
    # The demo agent is 1C's agent A-001: the clients 1C gives A-001 become theirs.
    Membership.objects.filter(tenant=tenant, role=Role.AGENT, user__username="demo-agent").update(onec_code="A-001")
    base = Base(clients=60, products=80, price_types=3, warehouses=2, agents=3)
    base.rows["agents"][0]["name"] = "demo-agent"  # 1C names A-001 as the demo knows them
    (server,) = serve(base, [Faults()])
    try:
        services.connection_save(
            tenant=tenant, wsdl_url=f"http://127.0.0.1:{server.server_address[1]}/exchange?wsdl", page_size=500
        )
        services.run_exchange(tenant=tenant, trigger="manual")
        _first_order(tenant)
    finally:
        server.shutdown()
        server.server_close()
    Connection.objects.filter(tenant=tenant).update(
        wsdl_url=SIMULATOR,
        failover_url=SIMULATOR_FAILOVER,
        enabled=False,
        applied_message=0,
        confirmed_message=0,
        primary_skipped_until=None,
    )


def _first_order(tenant: Organization) -> None:
    """One order for the demo agent's first 1C client, sent while the 1C is up."""
    agent = Membership.objects.get(tenant=tenant, role=Role.AGENT, user__username="demo-agent")
    shops = list(
        clients.Client.objects.filter(tenant=tenant, code__startswith="K-", assignments__agent=agent.user).order_by(
            "code"
        )[:1]
    )
    products = catalog.Product.objects.filter(tenant=tenant, in_stock__gte=5).order_by("code")[:2]
    order, _ = catalog.place_order(
        membership=agent,
        client_id=shops[0].pk,
        lines=[{"product": p.pk, "quantity": "2"} for p in products],
        comment="demo: the first order from the catalog",
    )
    services.send_field_order(order_id=order.pk)
