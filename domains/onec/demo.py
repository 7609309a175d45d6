"""Demo 1C for `make run`: the demo organization's catalog and clients come from a real exchange
with the simulated 1C, started here for the seed over loopback HTTP. Skipped once connected.

Afterwards the connection points where `manage.py simulate_1c` listens by default, switched off
and at message 0 (the simulator's exchange plan starts afresh each time it starts): run the
simulator, enable the connection, and exchanges go on from there (docs/catalog.md)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

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
    agent = Membership.objects.select_related("user").get(tenant=tenant, role=Role.AGENT, user__username="demo-agent")
    agent.onec_code = "A-001"
    agent.save(update_fields=["onec_code"])
    base = Base(clients=60, products=80, price_types=3, warehouses=2, agents=3)
    base.rows["agents"][0]["name"] = agent.user.first_name  # 1C names A-001 as the demo knows them
    (server,) = serve(base, [Faults()])
    try:
        services.connection_save(
            tenant=tenant, wsdl_url=f"http://127.0.0.1:{server.server_address[1]}/exchange?wsdl", page_size=500
        )
        services.run_exchange(tenant=tenant, trigger="manual")
        _first_order(tenant, base)
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


def _first_order(tenant: Organization, base: Base) -> None:
    """One order for the demo agent's first 1C client, two products 1C has stock of, sent while
    the 1C is up (the codes come from what the simulated 1C served)."""
    agent = Membership.objects.get(tenant=tenant, role=Role.AGENT, user__username="demo-agent")
    client = min(row["code"] for row in base.rows["clients"] if row.get("agents") == ["A-001"])
    stock: dict[str, Decimal] = defaultdict(Decimal)
    for row in base.rows["stock"]:
        stock[row["product"]] += Decimal(row["quantity"])
    codes = sorted(p["code"] for p in base.rows["products"] if stock[p["guid"]] >= 5)[:2]
    products = catalog.product_ids_by_code(tenant_id=tenant.pk, codes=codes)
    order, _ = catalog.place_order(
        membership=agent,
        client_id=clients.by_code(tenant_id=tenant.pk, codes=[client])[client].pk,
        lines=[{"product": products[code], "quantity": "2"} for code in codes],
        comment="demo: the first order from the catalog",
    )
    services.send_field_order(order_id=order.pk)
