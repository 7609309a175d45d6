"""Products, their per-branch minimums, and categories."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.models import Organization, User
from core.tenancy import create_named, require_unique_name, update_named
from domains.stock import events, signals
from domains.stock.models import (
    BranchStock,
    Category,
    Place,
    Product,
)
from domains.stock.services.ledger import actor_id_of, check_branch, crossing_events, emit_all, minimum_of, qty
from realtime.events import emit


def _product_event(product: Product, actor: User | None) -> None:
    emit(
        tenant_id=product.tenant_id,
        type=events.PRODUCT_CHANGED.name,
        actor_id=actor_id_of(actor),
        data={
            "product_id": product.pk,
            "name": product.name,
            "unit": product.unit,
            "minimum": qty(product.minimum),
            "location": product.location,
            "sku": product.sku,
            "barcode": product.barcode,
            "category_id": product.category_id,
            "sale_price": None if product.sale_price is None else str(product.sale_price),
            "cost_price": None if product.cost_price is None else str(product.cost_price),
            "currency": product.currency,
            "deleted": product.is_deleted,
        },
    )


# What a shop sells a product by; optional for kitchen ingredients.
COMMERCIAL_FIELDS = ("sku", "barcode", "category", "sale_price", "cost_price", "currency")


def _require_unique_codes(tenant_id: int, values: dict[str, Any], exclude: int | None = None) -> None:
    """SKU and barcode are unique among a tenant's live products: a 400 on the field."""
    for field in ("sku", "barcode"):
        code = values.get(field)
        if not code:
            continue
        clash = Product.objects.filter(tenant_id=tenant_id, **{f"{field}__iexact": code})
        if exclude:
            clash = clash.exclude(pk=exclude)
        if clash.exists():
            raise ValidationError(
                {field: [gettext("Another product has this %(field)s.") % {"field": field}]}, code="unique"
            )


@transaction.atomic
def product_create(
    *,
    tenant: Organization,
    name: str,
    unit: str,
    minimum: Decimal | None = None,
    location: str = "",
    actor: User | None = None,
    **commercial: Any,
) -> Product:
    """``commercial`` takes any of ``COMMERCIAL_FIELDS`` (a product for sale)."""
    require_unique_name(Product, tenant_id=tenant.pk, name=name)
    _require_unique_codes(tenant.pk, commercial)
    product = Product.objects.create(
        tenant=tenant, name=name, unit=unit, minimum=minimum, location=location, **_commercial(commercial)
    )
    _product_event(product, actor)
    # A new product with a minimum starts below it: say so, so that the first delivery's
    # ``stock.recovered`` has a matching ``stock.low``.
    emit_all(tenant.pk, actor, crossing_events(product, was_low=False))
    return product


def _commercial(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(COMMERCIAL_FIELDS)
    if unknown:
        raise TypeError(f"not product fields: {sorted(unknown)}")
    return values


_UNSET: Any = object()


@transaction.atomic
def product_update(
    *,
    product: Product,
    name: str | None = None,
    minimum: Decimal | None = _UNSET,
    location: str | None = None,
    actor: User | None = None,
    **commercial: Any,
) -> Product:
    """Name, minimum, location and the ``COMMERCIAL_FIELDS``; the unit is fixed once created (the
    ledger is in it). A new minimum that puts the product on the other side of the line emits
    the crossing."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    was_low = product.is_low
    if name is not None and name != product.name:
        require_unique_name(Product, tenant_id=product.tenant_id, name=name, exclude=product.pk)
        product.name = name
    if minimum is not _UNSET:
        product.minimum = minimum
    if location is not None:
        product.location = location
    _require_unique_codes(product.tenant_id, commercial, exclude=product.pk)
    for field, value in _commercial(commercial).items():
        setattr(product, field, value)
    product.save()
    _product_event(product, actor)
    emit_all(product.tenant_id, actor, crossing_events(product, was_low=was_low))
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: User | None = None) -> None:
    """Soft delete; the ledger keeps its rows. Other domains may refuse (a recipe uses it)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    signals.product_retiring.send(sender=Product, product=product)
    product.mark_deleted()
    product.save(update_fields=["deleted_at", "updated_at"])
    _product_event(product, actor)


@transaction.atomic
def branch_minimum(
    *, branch: Place, product: Product, minimum: Decimal | None, actor: User | None = None
) -> BranchStock:
    """Set ``product``'s low-stock line at ``branch`` (None: the product's own applies); a line
    that puts the balance on the other side emits the crossing."""
    check_branch(product.tenant_id, branch)
    BranchStock.objects.bulk_create(
        [BranchStock(tenant_id=product.tenant_id, branch=branch, product=product)], ignore_conflicts=True
    )
    row = BranchStock.objects.select_for_update().get(branch=branch, product=product)
    limit = minimum_of(product, row)
    was_low = limit is not None and row.on_hand < limit
    row.minimum = minimum
    row.save(update_fields=["minimum", "updated_at"])
    emit_all(product.tenant_id, actor, crossing_events(product, row, was_low=was_low))
    return row


def category_create(*, tenant: Organization, name: str) -> Category:
    return create_named(Category, tenant=tenant, name=name)


def category_rename(*, category: Category, name: str) -> Category:
    return update_named(category, name=name)


def category_delete(*, category: Category) -> None:
    category.mark_deleted()
    category.save(update_fields=["deleted_at"])
