"""Orders an agent takes for a client from the catalog, at the client's prices, checked against
the stock 1C last reported. Placing one asks for its sending to 1C in the same transaction
(workers' job outbox), so a crash never leaves an order that is not sent."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.idempotency import once
from core.models import Membership
from domains.catalog import events
from domains.catalog.models import CatalogProduct, ClientTerms, FieldOrder, FieldOrderLine, FieldOrderStatus, Price
from domains.clients.api import Client, visible_clients
from domains.visits.api import open_visit
from realtime.events import emit
from workers.outbox import enqueue

SEND_ACTOR = "onec.send_field_order"  # by name: the 1C integration sits above the catalog


class CatalogShortage(Conflict):
    default_code = "insufficient_stock"

    def __init__(self, shortages: list[dict[str, Any]]) -> None:
        names = ", ".join(s["name"] for s in shortages)
        super().__init__(
            gettext("Not enough stock of %(names)s (as 1C last reported); nothing was ordered.") % {"names": names},
            shortages=shortages,
        )


def place_order(
    *,
    membership: Membership,
    client_id: int,
    lines: list[dict[str, Any]],
    visit_id: int | None = None,
    comment: str = "",
    idempotency_key: str | None = None,
) -> tuple[FieldOrder, bool]:
    """Place the order (see the module's docstring); returns it and whether it is new. A retry
    with the same key returns the first order."""
    return once(
        FieldOrder,
        tenant_id=membership.tenant_id,
        key=idempotency_key,
        create=lambda: _place(membership, client_id, lines, visit_id, comment, idempotency_key),
    )


@transaction.atomic
def _place(
    membership: Membership,
    client_id: int,
    lines: list[dict[str, Any]],
    visit_id: int | None,
    comment: str,
    idempotency_key: str | None,
) -> FieldOrder:
    tenant_id, agent = membership.tenant_id, membership.user
    client = _client_at_visit(membership, client_id, visit_id)
    terms = ClientTerms.objects.filter(client_id=client_id).select_related("price_type").first()
    if terms is None or terms.price_type.is_deleted:
        raise Conflict(
            gettext("This client has no price type in 1C yet: no order can be priced."), code="no_price_type"
        )
    wanted = {line["product"]: Decimal(line["quantity"]) for line in lines}
    # Stock is 1C's: checked against what it last reported, never lowered here (docs/catalog.md).
    products = {p.pk: p for p in CatalogProduct.objects.filter(tenant_id=tenant_id, active=True, pk__in=wanted)}
    if missing := sorted(set(wanted) - set(products)):
        raise ValidationError(
            {"lines": [gettext("No such product: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]},
            code="does_not_exist",
        )
    prices = dict(
        Price.objects.filter(price_type=terms.price_type, product_id__in=wanted).values_list("product_id", "amount")
    )
    if unpriced := [products[pk].name for pk in wanted if pk not in prices]:
        raise Conflict(
            gettext("No %(price_type)s price in 1C for %(products)s.")
            % {"price_type": terms.price_type.name, "products": ", ".join(unpriced)},
            code="no_price",
        )
    short = [
        {"product_id": pk, "name": products[pk].name, "needed": str(qty), "available": str(products[pk].in_stock)}
        for pk, qty in wanted.items()
        if qty > products[pk].in_stock
    ]
    if short:
        raise CatalogShortage(short)
    rows = [(pk, qty, prices[pk], (qty * prices[pk]).quantize(Decimal("0.01"))) for pk, qty in wanted.items()]
    order = FieldOrder.objects.create(
        tenant_id=tenant_id,
        uid=uuid.uuid4(),
        agent=agent,
        client=client,
        visit_id=visit_id,
        price_type=terms.price_type,
        currency=terms.price_type.currency,
        total=sum((amount for *_, amount in rows), Decimal(0)),
        comment=comment,
        idempotency_key=idempotency_key or None,
    )
    FieldOrderLine.objects.bulk_create(
        FieldOrderLine(tenant_id=tenant_id, order=order, product_id=pk, quantity=qty, price=price, amount=amount)
        for pk, qty, price, amount in rows
    )
    _announce(order)
    enqueue(SEND_ACTOR, order.pk)
    return order


def _client_at_visit(membership: Membership, client_id: int, visit_id: int | None) -> Client:
    """The client, if this member may see it, and the visit, if given: open, at that client,
    and the member's own unless they see every visit. 400 naming the field otherwise."""
    client = visible_clients(membership=membership).filter(pk=client_id).first()
    if client is None:
        raise ValidationError({"client": [gettext("No such client.")]}, code="does_not_exist")
    if visit_id is not None and not open_visit(membership=membership, visit_id=visit_id, client_id=client_id):
        raise ValidationError({"visit": [gettext("No open visit of yours at this client.")]}, code="does_not_exist")
    return client


def _announce(order: FieldOrder) -> None:
    emit(
        tenant_id=order.tenant_id,
        type=events.FIELD_ORDER_STATUS.name,
        roles=events.MANAGERS,
        users=[order.agent_id],
        data={
            "field_order_id": order.pk,
            "agent_id": order.agent_id,
            "client_id": order.client_id,
            "status": order.status,
            "onec_number": order.onec_number,
            "onec_status": order.onec_status,
            "total": order.total,
            "currency": order.currency,
        },
    )


@transaction.atomic
def field_order_sent(*, order_id: int, number: str, status: str) -> FieldOrder:
    """1C took the order: its document number and status. Repeating it changes nothing."""
    order = FieldOrder.objects.select_for_update().get(pk=order_id)
    order.send_attempts += 1
    fields = ["send_attempts"]
    if (order.status, order.onec_number, order.onec_status) != (FieldOrderStatus.SENT, number, status):
        order.status, order.onec_number, order.onec_status = FieldOrderStatus.SENT, number[:50], status[:50]
        order.sent_at, order.last_error = timezone.now(), ""
        fields += ["status", "onec_number", "onec_status", "sent_at", "last_error"]
        _announce(order)
    order.save(update_fields=fields)
    return order


@transaction.atomic
def field_order_failed(*, order_id: int, error: str) -> FieldOrder:
    """1C refused the order for good (a SOAP fault): it is not sent again."""
    order = FieldOrder.objects.select_for_update().get(pk=order_id)
    order.send_attempts += 1
    order.last_error = error[:500]
    if order.status == FieldOrderStatus.PENDING:
        order.status = FieldOrderStatus.FAILED
        _announce(order)
    order.save(update_fields=["send_attempts", "last_error", "status"])
    return order


def field_order_send_attempt(*, order_id: int, error: str) -> None:
    """Count one attempt that did not reach 1C, and why (``field_order_sent``/``_failed`` count
    the ones that did)."""
    FieldOrder.objects.filter(pk=order_id).update(send_attempts=F("send_attempts") + 1, last_error=error[:500])
