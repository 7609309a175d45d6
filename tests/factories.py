"""Test data builders. They write rows directly: fast, and independent of the services under test."""

from __future__ import annotations

import itertools
from decimal import Decimal

from core.auth import issue_tokens
from core.models import Membership, Organization, User
from core.roles import Role

PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def tenant_factory(*, slug: str | None = None, name: str | None = None) -> Organization:
    n = next(_seq)
    return Organization.objects.create(slug=slug or f"org-{n}", name=name or f"Organization {n}")


def user_factory(*, username: str | None = None, password: str = PASSWORD) -> User:
    user = User(username=username or f"user-{next(_seq)}")
    user.set_password(password)
    user.save()
    return user


def member_factory(*, tenant: Organization, role: str = Role.ADMIN, user: User | None = None) -> Membership:
    return Membership.objects.create(tenant=tenant, user=user or user_factory(), role=role)


def bearer(membership: Membership) -> dict[str, str]:
    """Headers of a logged-in session for ``membership`` (skips the throttled login endpoint)."""
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(membership=membership).access_token}"}


def product_factory(*, tenant: Organization, name: str | None = None, unit: str = "g", minimum=None):  # type: ignore[no-untyped-def]
    from domains.stock.models import Product

    return Product.objects.create(tenant=tenant, name=name or f"product-{next(_seq)}", unit=unit, minimum=minimum)


def stock_up(product, quantity, *, actor: User, branch=None):  # type: ignore[no-untyped-def]
    """Deliver ``quantity`` of ``product`` through the ledger (balances only change there), to the
    central stock or to a shop ``branch``."""
    import datetime
    from decimal import Decimal

    from domains.stock.services import delivery_create

    return delivery_create(
        tenant=product.tenant,
        delivered_on=datetime.date.today(),
        lines=[{"product": product, "quantity": Decimal(quantity)}],
        branch=branch,
        actor=actor,
    )


def branch_factory(*, tenant: Organization, name: str | None = None, store=None):  # type: ignore[no-untyped-def]
    from domains.shops.models import Branch, Store

    n = next(_seq)
    store = store or Store.objects.create(tenant=tenant, name=f"Store {n}")
    return Branch.objects.create(tenant=tenant, store=store, name=name or f"Branch {n}")


def shop_product(  # type: ignore[no-untyped-def]
    *, tenant: Organization, price="2.50", cost="1.20", currency: str = "USD", name: str | None = None, unit="pcs"
):
    """A product for sale: SKU, sale and cost prices."""
    from domains.stock.models import Product

    n = next(_seq)
    return Product.objects.create(
        tenant=tenant,
        name=name or f"Item {n}",
        unit=unit,
        sku=f"SKU-{n}",
        sale_price=Decimal(price),
        cost_price=None if cost is None else Decimal(cost),
        currency=currency,
    )


def meal_factory(*, tenant: Organization, recipe: dict, name: str | None = None):  # type: ignore[no-untyped-def]
    """A meal whose recipe maps products to per-portion quantities."""
    from decimal import Decimal

    from domains.kitchen.services import meal_create

    return meal_create(
        tenant=tenant,
        name=name or f"meal-{next(_seq)}",
        recipe=[{"product": p, "quantity": Decimal(q)} for p, q in recipe.items()],
    )


def order_catalog(*, tenant: Organization, **provider_fields):  # type: ignore[no-untyped-def]
    """A provider (simulated by default: completes at once, never errs), a product and a package."""
    from domains.orders import services
    from domains.orders.models import ProviderKind

    calm = {"delay_seconds": 0, "failure_rate": 0, "error_rate": 0, "timeout_rate": 0}
    provider_fields["simulation"] = {**calm, **provider_fields.get("simulation", {})}
    fields = {"kind": ProviderKind.SIMULATED, **provider_fields}
    provider = services.provider_create(tenant=tenant, name=f"Provider {next(_seq)}", **fields)
    product = services.product_create(tenant=tenant, name=f"Game {next(_seq)}", provider=provider, code="game")
    package = services.package_create(
        tenant=tenant, product=product, name="100 gems", code="gems100", price=Decimal("4.99"), currency="USD"
    )
    return provider, package
