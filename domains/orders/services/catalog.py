"""Providers, digital products and packages."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from core.egress_guard import require_allowed
from core.errors import Conflict
from core.models import Organization
from core.secrets import seal
from core.tenancy import create_named, require_unique_name, update_named
from domains.orders.models import (
    ACTIVE,
    DigitalProduct,
    Order,
    Package,
    Provider,
)


def _provider_fields(provider: Provider, values: dict) -> None:
    # Called by the workers: the SSRF guard judges them now (a name that does not resolve yet
    # passes: each call is judged again).
    for name in ("base_url", "failover_url"):
        if values.get(name) and values[name] != getattr(provider, name):
            require_allowed(values[name], field=name, unresolvable_ok=True)
    if "auth_token" in values:
        token = values.pop("auth_token")
        provider.auth_token_sealed = seal(token) if token else ""
    if "webhook_secret" in values:
        secret = values.pop("webhook_secret")
        provider.webhook_secret_sealed = seal(secret) if secret else ""
    if "simulation" in values:
        provider.simulation = {**provider.simulation, **values.pop("simulation")}
    for name, value in values.items():
        setattr(provider, name, value)


@transaction.atomic
def provider_create(*, tenant: Organization, **values: object) -> Provider:
    require_unique_name(Provider, tenant_id=tenant.pk, name=str(values["name"]))
    provider = Provider(tenant=tenant)
    _provider_fields(provider, dict(values))
    provider.save()
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, **values: object) -> Provider:
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if "name" in values:
        require_unique_name(Provider, tenant_id=provider.tenant_id, name=str(values["name"]), exclude=provider.pk)
    _provider_fields(provider, dict(values))
    provider.save()
    return provider


@transaction.atomic
def provider_delete(*, provider: Provider) -> None:
    """Soft delete; refused while a product sells through it or an order is pending with it."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if DigitalProduct.objects.filter(provider=provider).exists():
        raise Conflict(gettext("Products still sell through this provider."), code="provider_in_use")
    if Order.objects.filter(provider=provider, status__in=ACTIVE).exists():
        raise Conflict(gettext("Orders are still pending with this provider."), code="provider_in_use")
    provider.mark_deleted()
    provider.save(update_fields=["deleted_at", "updated_at"])


def product_create(*, tenant: Organization, **values: object) -> DigitalProduct:
    return create_named(DigitalProduct, tenant=tenant, **values)


def product_update(*, product: DigitalProduct, **values: object) -> DigitalProduct:
    return update_named(product, **values)


def product_delete(*, product: DigitalProduct) -> None:
    """Soft delete: it leaves the catalog; its orders keep their history."""
    product.mark_deleted()
    product.save(update_fields=["deleted_at", "updated_at"])


def package_create(*, tenant: Organization, **values: object) -> Package:
    return Package.objects.create(tenant=tenant, **values)


def package_update(*, package: Package, **values: object) -> Package:
    for name, value in values.items():
        setattr(package, name, value)
    package.save()
    return package


def package_delete(*, package: Package) -> None:
    package.mark_deleted()
    package.save(update_fields=["deleted_at", "updated_at"])
