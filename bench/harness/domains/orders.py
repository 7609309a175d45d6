"""Digital orders for the benches: a provider with a failover URL and one package, and what a
phase's orders came to (settled, lost, dispatched twice, PINs announced twice or wrong)."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.db.models import Count, Max

from core.models import Organization
from domains.orders import services
from domains.orders.models import TERMINAL, Order, OrderAttempt, ProviderKind
from domains.orders.providers.simulated import KEY_PREFIX
from realtime.models import OutboxEvent


def shop(tenant: Organization, primary: str, failover: str, timeout: float) -> int:
    """A provider at ``primary`` with ``failover``, a product and its package; the package id."""
    provider = services.provider_create(
        tenant=tenant,
        name="Bench provider",
        kind=ProviderKind.HTTP,
        base_url=primary,
        failover_url=failover,
        timeout_seconds=timeout,
    )
    product = services.product_create(tenant=tenant, name="Gems", provider=provider, code="gems")
    package = services.package_create(
        tenant=tenant, product=product, name="100", code="g100", price=Decimal("1.99"), currency="USD"
    )
    return package.pk


def unsettled(ids: list[int]) -> int:
    return Order.objects.filter(pk__in=ids).exclude(status__in=TERMINAL).count()


def outcome(ids: list[int]) -> dict[str, Any]:
    """What the orders ``ids`` came to."""
    rows = Order.objects.filter(pk__in=ids)
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    done = rows.filter(status="completed")
    to_pin = [
        (completed - created).total_seconds() for created, completed in done.values_list("created_at", "completed_at")
    ]
    dispatches = OrderAttempt.objects.filter(order_id__in=ids, kind="dispatch")
    accepted = dispatches.filter(outcome__in=["accepted", "processing", "completed", "failed"])
    twice = accepted.values("order_id").annotate(n=Count("id")).filter(n__gt=1).count()
    resent = dispatches.values("order_id").annotate(n=Count("id")).filter(n__gt=1).count()
    # read in Python: JSON key lookups differ between databases
    announced = Counter(
        d["order_id"] for d in OutboxEvent.objects.filter(type="order.pin_ready").values_list("data", flat=True)
    )
    wanted = set(ids)
    return {
        "completed": counts.get("completed", 0),
        "failed": counts.get("failed", 0),
        "lost": len(ids) - sum(counts.get(s, 0) for s in ("completed", "failed", "cancelled")),
        "to_pin": to_pin,
        "duplicate_dispatches": twice,
        "resent_dispatches": resent,
        "duplicated_pins": sum(1 for order, n in announced.items() if order in wanted and n > 1) + pin_mismatches(done),
        "failover_calls": OrderAttempt.objects.filter(order_id__in=ids, endpoint="failover").count(),
        "max_dispatch_attempts": rows.aggregate(m=Max("dispatch_attempts"))["m"],
    }


def pin_mismatches(completed: Any) -> int:
    """Orders whose stored PIN differs from the one the provider holds for them."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    wrong = 0
    for order in completed.iterator():
        record = client.get(KEY_PREFIX + order.provider_key)
        wrong += record is None or json.loads(record)["pin"] != order.pin()
    return wrong
