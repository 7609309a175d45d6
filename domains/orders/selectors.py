"""Reads of providers, the catalog and orders; who sees which order is decided here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.models import Membership, Organization
from core.roles import has_capability
from domains.orders.models import ACTIVE, DigitalProduct, Order, OrderAttempt, Package, Provider


def provider_list(*, tenant: Organization) -> QuerySet[Provider]:
    return Provider.objects.filter(tenant=tenant).order_by("name")


def package_list(*, tenant: Organization) -> QuerySet[Package]:
    return Package.objects.filter(tenant=tenant, product__deleted_at__isnull=True).order_by("product_id", "price")


def product_list(*, tenant: Organization) -> QuerySet[DigitalProduct]:
    packages = Prefetch("packages", queryset=Package.objects.order_by("price", "id"), to_attr="live_packages")
    return (
        DigitalProduct.objects.filter(tenant=tenant)
        .select_related("provider")
        .prefetch_related(packages)
        .order_by("name")
    )


def order_list(*, tenant: Organization, membership: Membership) -> QuerySet[Order]:
    """Staff with ``orders.view_all`` see every order; everyone else only the orders placed for them."""
    orders = Order.objects.filter(tenant=tenant).select_related("product", "package", "provider").order_by("-id")
    if not has_capability(membership.role, "orders.view_all"):
        orders = orders.filter(customer_id=membership.user_id)
    return orders


def stuck(orders: QuerySet[Order], *, minutes: int, now: datetime | None = None) -> QuerySet[Order]:
    """Pending orders created more than ``minutes`` ago."""
    now = now or timezone.now()
    return orders.filter(status__in=ACTIVE, created_at__lte=now - timedelta(minutes=minutes))


def timeline(order: Order) -> QuerySet[OrderAttempt]:
    return OrderAttempt.objects.filter(order=order).order_by("id")


def pin_visibility(membership: Membership) -> Callable[[Order], bool]:
    """Whether this member may read an order's PIN: their own order, or ``orders.view_pins``."""
    everyone = has_capability(membership.role, "orders.view_pins")
    return lambda order: everyone or order.customer_id == membership.user_id


def webhook_provider(public_id: str) -> Provider | None:
    """The provider whose webhook address this is, if it has a webhook secret."""
    return Provider.objects.filter(public_id=public_id).exclude(webhook_secret_sealed="").first()
