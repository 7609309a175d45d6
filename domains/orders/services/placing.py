"""Placing an order, idempotently by the customer's key."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import Conflict
from core.lookups import unique_or_none
from core.models import Organization, User
from domains.orders.models import (
    Order,
    Package,
)
from domains.orders.services.lifecycle import announce, schedule_next


def fingerprint(*, customer_id: int, package_id: int, account: str, extra: str) -> str:
    text = json.dumps([customer_id, package_id, account, extra])
    return hashlib.sha256(text.encode()).hexdigest()


def _same_request(order: Order, print_: str) -> Order:
    if order.fingerprint != print_:
        raise Conflict(
            gettext("This Idempotency-Key was used for a different order."),
            code="idempotency_key_reused",
            order_id=order.pk,
        )
    return order


def order_place(
    *,
    tenant: Organization,
    actor: User,
    customer: User,
    package: Package,
    account: str,
    extra: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Order, bool]:
    """Create an order and have it dispatched right after commit. A repeated ``idempotency_key``
    (per customer) returns the first order; the same key for another request is 409."""
    print_ = fingerprint(customer_id=customer.pk, package_id=package.pk, account=account, extra=extra)
    lookup = {"tenant": tenant, "customer": customer, "idempotency_key": idempotency_key}
    if idempotency_key:
        existing = unique_or_none(Order.objects.filter(**lookup))
        if existing is not None:
            return _same_request(existing, print_), False
    now = now or timezone.now()
    product = package.product
    provider = product.provider
    try:
        with transaction.atomic():
            order = Order.objects.create(
                tenant=tenant,
                customer=customer,
                placed_by=actor,
                provider=provider,
                product=product,
                package=package,
                price=package.price,
                currency=package.currency,
                account=account,
                extra=extra,
                idempotency_key=idempotency_key,
                fingerprint=print_,
                created_at=now,
                deadline_at=now + timedelta(seconds=provider.deadline_seconds),
                next_action_at=now,
            )
            announce(order, previous=None, now=now, actor_id=actor.pk)
            schedule_next(order, now)
    except IntegrityError:
        if not idempotency_key:
            raise
        # Two requests with one key raced; the unique index let one in.
        return _same_request(Order.objects.get(**lookup), print_), False
    return order, True
