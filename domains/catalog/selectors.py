"""Reads of the e-catalog. The product list keeps a constant number of queries at any size:
groups joined, barcodes and pictures in one prefetch each, the client's price as a subquery column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value

from core.models import Membership, Organization
from core.pagination import page_by_matches
from core.roles import has_capability
from domains.catalog.models import (
    Barcode,
    CatalogProduct,
    ClientTerms,
    FieldOrder,
    FieldOrderLine,
    FieldOrderStatus,
    Group,
    Price,
    PriceType,
    ProductImage,
    StockLevel,
    Warehouse,
)
from domains.clients.api import visible_clients

# The pictures' ids for the product rows' URLs: one query for a page.
_IMAGES = Prefetch("images", queryset=ProductImage.objects.only("id", "product_id", "digest").order_by("id"))


def group_and_descendants(*, tenant_id: int, group_id: int) -> set[int]:
    """The group and every group below it (one query: a tenant's tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Group.objects.filter(tenant_id=tenant_id).values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = {group_id}, [group_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def client_price_type(*, membership: Membership, client_id: int) -> PriceType | None:
    """The price type of a client this member may see; ``LookupError`` for any other client."""
    if not visible_clients(membership=membership).filter(pk=client_id).exists():
        raise LookupError(client_id)
    terms = ClientTerms.objects.filter(tenant_id=membership.tenant_id, client_id=client_id).select_related("price_type")
    found = terms.first()
    return found.price_type if found and not found.price_type.is_deleted else None


def product_list(
    *,
    tenant: Organization,
    search: str = "",
    group_id: int | None = None,
    in_stock: bool | None = None,
    price_type: PriceType | None = None,
) -> QuerySet[CatalogProduct]:
    """Active products; ``search`` matches name (contains), code (prefix) and barcode (exact)."""
    products = (
        CatalogProduct.objects.filter(tenant=tenant, active=True)
        .select_related("group")
        .prefetch_related(Prefetch("barcodes", queryset=Barcode.objects.order_by("value")), _IMAGES)
    )
    if group_id is not None:
        products = products.filter(group_id__in=group_and_descendants(tenant_id=tenant.pk, group_id=group_id))
    if in_stock is not None:
        products = products.filter(in_stock__gt=0) if in_stock else products.filter(in_stock__lte=0)
    if price_type is not None:
        price = Price.objects.filter(product=OuterRef("pk"), price_type=price_type).values("amount")[:1]
        products = products.annotate(price_amount=Subquery(price))
    else:
        products = products.annotate(
            price_amount=Value(None, output_field=DecimalField(max_digits=16, decimal_places=2))
        )
    search = search.strip()
    if search:
        barcode = Barcode.objects.filter(tenant=tenant, value=search, product=OuterRef("pk"))
        products = products.filter(
            Q(name__icontains=search) | Q(code__iexact=search) | Q(code__istartswith=search) | Exists(barcode)
        )
        if len(search) >= 3:  # see page_by_matches: the matches come through their own indexes
            products = page_by_matches(products)
    return products


def product_detail(*, tenant: Organization) -> QuerySet[CatalogProduct]:
    """Products with every price and the stock per warehouse (for one product's page)."""
    return (
        CatalogProduct.objects.filter(tenant=tenant)
        .select_related("group")
        .prefetch_related(
            Prefetch("barcodes", queryset=Barcode.objects.order_by("value")),
            _IMAGES,
            Prefetch(
                "prices",
                queryset=Price.objects.filter(price_type__deleted_at__isnull=True)
                .select_related("price_type")
                .order_by("price_type__name"),
            ),
            Prefetch(
                "stock_levels",
                queryset=StockLevel.objects.filter(warehouse__deleted_at__isnull=True)
                .select_related("warehouse")
                .order_by("warehouse__name"),
            ),
        )
    )


def product_images(*, product: CatalogProduct) -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product=product).select_related("status", "source")


def image_list(*, tenant: Organization) -> QuerySet[ProductImage]:
    """Live pictures of live products."""
    return ProductImage.objects.filter(tenant=tenant, product__deleted_at__isnull=True).select_related(
        "status", "source"
    )


def group_list(*, tenant: Organization) -> QuerySet[Group]:
    return Group.objects.filter(tenant=tenant)


def price_type_list(*, tenant: Organization) -> QuerySet[PriceType]:
    return PriceType.objects.filter(tenant=tenant)


def warehouse_list(*, tenant: Organization) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(tenant=tenant)


def field_order_list(*, membership: Membership) -> QuerySet[FieldOrder]:
    """Every order for those who see all visits; an agent's own otherwise."""
    orders = (
        FieldOrder.objects.filter(tenant_id=membership.tenant_id)
        .select_related("client")
        .prefetch_related(Prefetch("lines", queryset=FieldOrderLine.objects.select_related("product")))
    )
    if has_capability(membership.role, "visits.view_all"):
        return orders
    return orders.filter(agent_id=membership.user_id)


@dataclass(frozen=True)
class OrderDocument:
    """A field order as an accounting system receives it: plain data, for other domains (1C)."""

    order_id: int
    tenant_id: int
    uid: str
    pending: bool  # not yet sent, not failed: still to be sent
    agent_id: int
    last_error: str
    body: dict[str, Any]  # the document's fields, but the agent's code in that system


def order_document(*, order_id: int) -> OrderDocument | None:
    order = (
        FieldOrder.objects.filter(pk=order_id)
        .select_related("client", "agent", "price_type")
        .prefetch_related("lines__product")
        .first()
    )
    if order is None:
        return None
    body = {
        "id": str(order.uid),
        "client": order.client.code,
        "agent_login": order.agent.username,
        "visit": order.visit_id,
        "price_type": str(order.price_type.guid),
        "currency": order.currency,
        "total": str(order.total),
        "comment": order.comment,
        "created_at": order.created_at.isoformat(),
        "lines": [
            {
                "product": str(line.product.guid),
                "quantity": str(line.quantity),
                "price": str(line.price),
                "amount": str(line.amount),
            }
            for line in order.lines.all()
        ],
    }
    pending = order.status == FieldOrderStatus.PENDING
    return OrderDocument(order.pk, order.tenant_id, str(order.uid), pending, order.agent_id, order.last_error, body)


def product_ids_by_code(*, tenant_id: int, codes: Iterable[str]) -> dict[str, int]:
    """Live catalog products' ids by their code in the accounting system."""
    return dict(CatalogProduct.objects.filter(tenant_id=tenant_id, code__in=list(codes)).values_list("code", "pk"))
