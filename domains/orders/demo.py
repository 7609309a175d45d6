# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo catalog for `make run`: a simulated provider (orders are done 15 s after they are placed
and seen done at the first check, 20 s; a few fail; some calls error and are retried), three
products, and a short order history for the demo customer. Skipped once present."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from core.secrets import seal
from domains.orders import services
from domains.orders.models import (
    AttemptKind,
    FailureReason,
    Order,
    OrderAttempt,
    OrderStatus,
    Outcome,
    Package,
    Provider,
    ProviderKind,
)

CATALOG = {  # product: (code, [(package, code, price)])
    "PUBG Mobile UC": ("pubgm", [("60 UC", "uc60", "0.99"), ("325 UC", "uc325", "4.99"), ("660 UC", "uc660", "9.99")]),
    "Steam Wallet": ("steam", [("USD 10", "usd10", "10.00"), ("USD 20", "usd20", "20.00")]),
    "Google Play sovgʻa kartasi": ("gplay", [("USD 10", "usd10", "10.00"), ("USD 25", "usd25", "25.00")]),
}


def seed(tenant: Organization) -> None:
    if Provider.all_objects.filter(tenant=tenant).exists():
        return
    provider = services.provider_create(
        tenant=tenant,
        name="Sinov provayderi (simulyatsiya)",
        kind=ProviderKind.SIMULATED,
        simulation={"delay_seconds": 15, "failure_rate": 0.05, "error_rate": 0.1, "timeout_rate": 0.02},
        # Demo pace: first check 20 s after dispatch, then every 10, 20, 40 ... s.
        first_check_seconds=20,
        backoff_base_seconds=10,
    )
    packages = _catalog(tenant, provider)
    customer = User.objects.get(username=demo_username(Role.CUSTOMER))
    now = timezone.now()
    history = [  # days ago, package, outcome
        (6, packages[1], OrderStatus.COMPLETED),
        (3, packages[3], OrderStatus.COMPLETED),
        (2, packages[0], OrderStatus.FAILED),
        (1, packages[6], OrderStatus.COMPLETED),
    ]
    for number, (days, package, outcome) in enumerate(history, start=1):
        _settled_order(number, customer, package, outcome, placed=now - timedelta(days=days))


def _catalog(tenant: Organization, provider: Provider) -> list[Package]:
    packages: list[Package] = []
    for name, (code, offers) in CATALOG.items():
        product = services.product_create(tenant=tenant, name=name, provider=provider, code=code)
        for label, package_code, price in offers:
            packages.append(
                services.package_create(
                    tenant=tenant, product=product, name=label, code=package_code, price=Decimal(price), currency="USD"
                )
            )
    return packages


def _settled_order(number: int, customer: User, package: Package, outcome: str, *, placed: datetime) -> None:
    """An order from the past, as if it ran: its row and its dispatch and check attempts."""
    provider = package.product.provider
    tenant = provider.tenant
    done = placed + timedelta(seconds=17)
    order = Order.objects.create(
        tenant=tenant,
        customer=customer,
        placed_by=customer,
        provider=provider,
        product=package.product,
        package=package,
        price=package.price,
        currency=package.currency,
        account=f"player-{1000 + number}",
        fingerprint="demo",
        status=outcome,
        version=3,
        provider_reference=f"SIM-DEMO{number:04d}",
        pin_sealed=seal(f"DEMO-{number:04d}-PIN0") if outcome == OrderStatus.COMPLETED else "",
        failure_reason=FailureReason.PROVIDER_FAILED if outcome == OrderStatus.FAILED else "",
        failure_message="emitent rad etdi (simulyatsiya)" if outcome == OrderStatus.FAILED else "",
        created_at=placed,
        dispatched_at=placed + timedelta(milliseconds=300),
        completed_at=done if outcome == OrderStatus.COMPLETED else None,
        finished_at=done,
        last_checked_at=done,
        deadline_at=placed + timedelta(seconds=provider.deadline_seconds),
        dispatch_attempts=1,
        checks=1,
    )
    OrderAttempt.objects.bulk_create(
        [
            OrderAttempt(
                tenant=tenant,
                order=order,
                kind=AttemptKind.DISPATCH,
                at=order.dispatched_at,
                latency_ms=12,
                outcome=Outcome.ACCEPTED,
                status_before=OrderStatus.CREATED,
                status_after=OrderStatus.DISPATCHED,
            ),
            OrderAttempt(
                tenant=tenant,
                order=order,
                kind=AttemptKind.CHECK,
                at=done,
                latency_ms=9,
                outcome=outcome,
                status_before=OrderStatus.DISPATCHED,
                status_after=outcome,
            ),
        ]
    )
