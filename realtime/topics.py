"""Topics a WebSocket client may subscribe to, and who may.

A topic is a name inside the caller's tenant: the stream behind it is chosen from the
authenticated membership, never from anything the client sends, so no topic name reaches
another tenant. Subscribing needs any one of the topic's capabilities; each event may narrow
its audience further (``realtime.events.emit``).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.roles import has_capability


@dataclass(frozen=True)
class Topic:
    name: str
    capabilities: tuple[str, ...]  # any one of them lets a member subscribe
    description: str


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic("organization", ("tenant.view",), "The organization's profile and settings"),
        Topic("members", ("members.view",), "Members joining, changing role, leaving"),
        Topic("stock", ("stock.view",), "Stock levels and ledger movements"),
        Topic("kitchen", ("kitchen.view",), "Meals served and portions possible"),
        Topic("orders", ("orders.view_all", "orders.view_own"), "Orders; customers see only their own"),
        Topic("agents.locations", ("locations.view",), "Field agents' GPS breadcrumbs"),
        Topic("visits", ("visits.view_all", "visits.own"), "Agents' visits; agents see only their own"),
        Topic("alarms", ("alarms.view",), "Variance and operational alarms"),
        Topic("sales", ("sales.view", "expenses.manage"), "Shop sales, returns and expenses, per branch"),
        Topic("catalog", ("catalog.view",), "E-catalog changes from 1C: products, prices, stock levels"),
        Topic("onec", ("onec.manage",), "1C exchanges' progress and results"),
        Topic("field_orders", ("visits.view_all", "field_orders.place"), "Agents' orders; agents see only their own"),
    )
}


def may_subscribe(role: str | None, topic: Topic) -> bool:
    return any(has_capability(role, capability) for capability in topic.capabilities)
