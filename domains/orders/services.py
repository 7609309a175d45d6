"""Orders: placing, dispatch, status checks, webhooks, operator actions and the sweep.

Each unit of work on an order runs in three steps: claim it (one conditional UPDATE takes a short
lease if the work is due and nobody holds one), talk to the provider with no transaction open,
then settle the answer under the row lock in one transaction with its events and timeline entry.
Messages are delivered at least once and workers die, so every step tolerates a duplicate: a
message for work that is not due, or leased, does nothing; a re-sent order carries the same
idempotency key, and a retried dispatch looks the order up at the provider before sending it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError

from core.errors import Conflict
from core.lookups import unique_or_none
from core.models import Organization, User
from core.parsers import loads
from core.secrets import seal, unseal
from core.tenancy import create_named, require_unique_name, update_named
from domains.alarms.models import AlarmKind
from domains.alarms.services import raise_alarm
from domains.orders import events, policy
from domains.orders.models import (
    ACTIVE,
    AttemptKind,
    DigitalProduct,
    FailureReason,
    Order,
    OrderAttempt,
    OrderStatus,
    Outcome,
    Package,
    Provider,
    WebhookReceipt,
)
from domains.orders.providers import adapter_for
from domains.orders.providers.base import (
    ACCEPTED,
    COMPLETED,
    FAILED,
    PROCESSING,
    PROVIDER_STATUSES,
    Answer,
    ProviderError,
    ProviderRejected,
    SubmitRequest,
)
from realtime.events import emit_many
from workers import outbox

logger = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=2)  # a message may run a moment before its due time on another host
LEASE_MARGIN_SECONDS = 10
LEASE_RETRY_SLACK_SECONDS = 0.5  # past a lease's end before its work is tried again
WEBHOOK_TOLERANCE = timedelta(minutes=5)
SWEEP_GRACE = timedelta(seconds=60)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- the catalog and its providers


def _provider_fields(provider: Provider, values: dict) -> None:
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
        raise Conflict("Products still sell through this provider.", code="provider_in_use")
    if Order.objects.filter(provider=provider, status__in=ACTIVE).exists():
        raise Conflict("Orders are still pending with this provider.", code="provider_in_use")
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


# -- placing


def fingerprint(*, customer_id: int, package_id: int, account: str, extra: str) -> str:
    text = json.dumps([customer_id, package_id, account, extra])
    return hashlib.sha256(text.encode()).hexdigest()


def _same_request(order: Order, print_: str) -> Order:
    if order.fingerprint != print_:
        raise Conflict(
            "This Idempotency-Key was used for a different order.", code="idempotency_key_reused", order_id=order.pk
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
            _announce(order, previous=None, now=now, actor_id=actor.pk)
            _schedule_after_commit(order, now)
    except IntegrityError:
        if not idempotency_key:
            raise
        # Two requests with one key raced; the unique index let one in.
        return _same_request(Order.objects.get(**lookup), print_), False
    return order, True


# -- events, timeline and scheduling


def _announce(order: Order, *, previous: str | None, now: datetime, actor_id: int | None = None) -> None:
    batch = [
        dict(
            tenant_id=order.tenant_id,
            type=events.STATUS_CHANGED.name,
            actor_id=actor_id,
            roles=events.STAFF_AUDIENCE,
            users=[order.customer_id],
            data={
                "order_id": order.pk,
                "customer_id": order.customer_id,
                "status": order.status,
                "previous_status": previous,
                "version": order.version,
                "reason": order.failure_reason,
                "message": order.failure_message,
                "provider_reference": order.provider_reference,
                "at": _iso(now),
            },
        )
    ]
    if order.status == OrderStatus.COMPLETED:
        batch.append(
            dict(
                tenant_id=order.tenant_id,
                type=events.PIN_READY.name,
                roles=events.PIN_AUDIENCE,
                users=[order.customer_id],
                data={
                    "order_id": order.pk,
                    "customer_id": order.customer_id,
                    "pin": unseal(order.pin_sealed),
                    "completed_at": _iso(order.completed_at),
                },
            )
        )
    emit_many(batch)


def _transition(
    order: Order,
    status: str,
    *,
    now: datetime,
    reason: str = "",
    message: str = "",
    actor_id: int | None = None,
) -> None:
    previous = order.status
    order.status = status
    order.version += 1
    order.failure_reason, order.failure_message = reason, message[:500]
    if status in (OrderStatus.COMPLETED, OrderStatus.FAILED, OrderStatus.CANCELLED):
        order.finished_at = now
        order.next_action_at = None
    _announce(order, previous=previous, now=now, actor_id=actor_id)


def _attempt(
    order: Order,
    kind: str,
    *,
    now: datetime,
    outcome: str,
    before: str,
    latency_ms: int | None = None,
    error: ProviderError | None = None,
    answer: Answer | None = None,
    message: str = "",
    actor: User | None = None,
) -> None:
    source = error or answer
    OrderAttempt.objects.create(
        tenant_id=order.tenant_id,
        order=order,
        kind=kind,
        at=now,
        latency_ms=latency_ms,
        endpoint=getattr(source, "endpoint", "") or "",
        outcome=outcome,
        http_status=getattr(source, "http_status", None),
        message=(message or (error.message if error else (answer.reason if answer else "")))[:500],
        status_before=before,
        status_after=order.status,
        actor=actor,
    )


def _schedule_after_commit(order: Order, now: datetime) -> None:
    """Send the message for the order's next piece of work, due at ``next_action_at``."""
    if order.status not in ACTIVE or order.next_action_at is None:
        return
    delay = max((order.next_action_at - now).total_seconds(), 0.0)
    send_action(order.pk, order.status, delay)


def send_action(order_id: int, status: str, delay_seconds: float = 0.0) -> None:
    """Queue the order's next job through the job outbox: written with the transaction that
    made it due, sent after commit, never lost to a crash in between."""
    from domains.orders import tasks  # the actors import this module

    actor = tasks.dispatch_order if status == OrderStatus.CREATED else tasks.check_order
    outbox.enqueue(actor, order_id, delay_seconds=delay_seconds)


# -- claiming work


def _load(order_id: int) -> Order | None:
    return Order.objects.select_related("provider", "product", "package").filter(pk=order_id).first()


def _claim(order: Order, *, statuses: tuple[str, ...], now: datetime, dispatching: bool = False) -> bool:
    """Take the order's lease if its work is due and nobody holds it: one UPDATE, so of two
    workers (or a message and its duplicate) exactly one proceeds."""
    lease = timedelta(seconds=order.provider.timeout_seconds * 2 + LEASE_MARGIN_SECONDS)
    changes: dict = {"lease_until": now + lease}
    if dispatching:
        changes["dispatch_attempts"] = F("dispatch_attempts") + 1
    claimed = (
        Order.objects.filter(pk=order.pk, status__in=statuses, next_action_at__lte=now + CLOCK_SKEW)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(**changes)
    )
    if claimed and dispatching:
        order.dispatch_attempts += 1
    elif not claimed:
        _after_lease(order, statuses=statuses, now=now)
    return bool(claimed)


def _after_lease(order: Order, *, statuses: tuple[str, ...], now: datetime) -> None:
    """Due work found leased: the holder may be a worker that was killed mid-call, whose
    redelivered message is this one. Come back when the lease ends, so the work never waits for
    the sweep; if the holder was alive, the work is no longer due then and the message ends."""
    if order.status in statuses and order.lease_until and order.lease_until > now and order.next_action_at <= now:
        send_action(order.pk, order.status, (order.lease_until - now).total_seconds() + LEASE_RETRY_SLACK_SECONDS)


def _locked(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("provider").get(pk=order_id)


def _apply(order: Order, answer: Answer, *, now: datetime) -> None:
    """Move the order to what the provider reported (never backwards)."""
    if answer.reference and not order.provider_reference:
        order.provider_reference = answer.reference
    if order.dispatched_at is None:
        order.dispatched_at = now
    if answer.status == COMPLETED:
        order.pin_sealed = seal(answer.pin or "")
        order.completed_at = now
        _transition(order, OrderStatus.COMPLETED, now=now)
    elif answer.status == FAILED:
        _transition(
            order, OrderStatus.FAILED, now=now, reason=FailureReason.PROVIDER_FAILED, message=answer.reason or "failed"
        )
    elif answer.status == PROCESSING and order.status != OrderStatus.PROCESSING:
        _transition(order, OrderStatus.PROCESSING, now=now)
    elif answer.status == ACCEPTED and order.status == OrderStatus.CREATED:
        _transition(order, OrderStatus.DISPATCHED, now=now)


def _provider_health(provider: Provider, error: ProviderError | None, *, now: datetime) -> None:
    """Count consecutive errors per provider; at the threshold (and every threshold more) raise an
    alarm, one per outage. Any good answer ends the outage."""
    if error is None:
        Provider.objects.filter(pk=provider.pk, consecutive_errors__gt=0).update(
            consecutive_errors=0, failing_since=None
        )
        return
    Provider.objects.filter(pk=provider.pk).update(
        consecutive_errors=F("consecutive_errors") + 1, failing_since=Coalesce(F("failing_since"), now)
    )
    count, since = Provider.objects.values_list("consecutive_errors", "failing_since").get(pk=provider.pk)
    threshold = provider.error_alarm_threshold
    if not threshold or count < threshold or count % threshold:
        return
    raise_alarm(
        tenant_id=provider.tenant_id,
        kind=AlarmKind.PROVIDER_ERRORS,
        subject=f"provider-{provider.pk}-{since:%Y%m%dT%H%M%S}",
        message=f"{provider.name}: {count} provider errors in a row since {since:%Y-%m-%d %H:%M} UTC",
        details={"provider_id": provider.pk, "consecutive_errors": count, "last_error": error.message},
        event={
            "provider_id": provider.pk,
            "provider_name": provider.name,
            "consecutive_errors": count,
            "failing_since": _iso(since),
            "last_error": error.message,
        },
    )
    logger.error("provider failing", extra={"provider_id": provider.pk, "consecutive_errors": count})


# -- the work


def _ask(call: Callable[[], Answer]) -> tuple[Answer | None, ProviderError | None, int]:
    """Call the provider: its answer or its error, and how long it took (ms)."""
    started = time.monotonic()
    try:
        answer, error = call(), None
    except ProviderError as exc:
        answer, error = None, exc
    return answer, error, int((time.monotonic() - started) * 1000)


def _settled_meanwhile(order: Order, kind: str, *, now: datetime, latency_ms: int) -> Order:
    """A webhook or an operator settled the order while we were asking: record and let go."""
    order.save(update_fields=["lease_until", "updated_at"])
    _attempt(order, kind, now=now, outcome=Outcome.IGNORED, before=order.status, latency_ms=latency_ms)
    return order


def dispatch(order_id: int, *, now: datetime | None = None) -> Order | None:
    """Send a created order to its provider. Returns the settled order, or None if there was
    nothing to do (not due, leased by another worker, or no longer waiting for dispatch)."""
    now = now or timezone.now()
    order = _load(order_id)
    if order is None or not _claim(order, statuses=(OrderStatus.CREATED,), now=now, dispatching=True):
        return None
    if now >= order.deadline_at:
        return expire(order_id, now=now)
    adapter = adapter_for(order.provider)
    request = SubmitRequest(
        key=order.provider_key,
        product_code=order.product.code,
        package_code=order.package.code,
        account=order.account,
        extra=order.extra,
    )

    def send() -> Answer:
        if order.dispatch_attempts > 1:  # an earlier attempt may have reached the provider
            found = adapter.lookup(request.key)
            if found is not None:
                return found
        return adapter.submit(request)

    answer, error, latency = _ask(send)
    with transaction.atomic():
        order = _locked(order_id)
        before = order.status
        order.lease_until = None
        if before != OrderStatus.CREATED:
            return _settled_meanwhile(order, AttemptKind.DISPATCH, now=now, latency_ms=latency)
        if isinstance(error, ProviderRejected):
            _transition(order, OrderStatus.FAILED, now=now, reason=FailureReason.REJECTED, message=error.message)
            outcome = Outcome.REJECTED
        elif error is not None:
            order.consecutive_errors += 1
            delay = policy.dispatch_delay(order.provider, order.dispatch_attempts)
            order.next_action_at = policy.next_due(now, delay, order.deadline_at)
            outcome = Outcome.ERROR
        else:
            order.consecutive_errors = 0
            _apply(order, answer, now=now)
            order.next_action_at = (
                policy.next_due(now, policy.check_delay(order.provider, 0), order.deadline_at)
                if order.status in ACTIVE
                else None
            )
            outcome = answer.status
        order.save()
        _attempt(
            order,
            AttemptKind.DISPATCH,
            now=now,
            outcome=outcome,
            before=before,
            latency_ms=latency,
            error=error,
            answer=answer,
        )
        _schedule_after_commit(order, now)
    # A refusal is a healthy answer about a bad order, not a provider error.
    _provider_health(order.provider, None if isinstance(error, ProviderRejected) else error, now=now)
    return order


def check(order_id: int, *, now: datetime | None = None) -> Order | None:
    """Ask the provider how a dispatched order is doing; schedule the next check with back-off, or
    fail the order if the deadline has come."""
    now = now or timezone.now()
    order = _load(order_id)
    statuses = (OrderStatus.DISPATCHED, OrderStatus.PROCESSING)
    if order is None or not _claim(order, statuses=statuses, now=now):
        return None
    adapter = adapter_for(order.provider)

    def ask() -> Answer:
        if order.provider_reference:
            return adapter.status(key=order.provider_key, reference=order.provider_reference)
        found = adapter.lookup(order.provider_key)
        if found is None:
            raise ProviderRejected("the provider does not know this order", http_status=404)
        return found

    answer, error, latency = _ask(ask)
    with transaction.atomic():
        order = _locked(order_id)
        before = order.status
        order.lease_until = None
        if before not in statuses:
            return _settled_meanwhile(order, AttemptKind.CHECK, now=now, latency_ms=latency)
        order.checks += 1
        order.last_checked_at = now
        if error is not None:
            order.consecutive_errors += 1
            outcome = Outcome.ERROR
        else:
            order.consecutive_errors = 0
            _apply(order, answer, now=now)
            outcome = answer.status
        if order.status in ACTIVE:
            if now >= order.deadline_at:
                _timeout(order, now=now)
            else:
                delay = policy.check_delay(order.provider, order.checks)
                order.next_action_at = policy.next_due(now, delay, order.deadline_at)
        order.save()
        _attempt(
            order,
            AttemptKind.CHECK,
            now=now,
            outcome=outcome,
            before=before,
            latency_ms=latency,
            error=error,
            answer=answer,
        )
        _schedule_after_commit(order, now)
    _provider_health(order.provider, error, now=now)
    return order


def _timeout(order: Order, *, now: datetime) -> None:
    hours = order.provider.deadline_seconds / 3600
    _transition(
        order,
        OrderStatus.FAILED,
        now=now,
        reason=FailureReason.TIMEOUT,
        message=f"The provider did not complete the order within {hours:g} h.",
    )


def expire(order_id: int, *, now: datetime | None = None) -> Order:
    """Fail a pending order whose deadline has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order_id)
        before = order.status
        order.lease_until = None
        if before in ACTIVE:
            _timeout(order, now=now)
        order.save()
        outcome = Outcome.FAILED if before in ACTIVE else Outcome.IGNORED
        _attempt(order, AttemptKind.TIMEOUT, now=now, outcome=outcome, before=before)
    return order


# -- webhooks


def _verify(provider: Provider, header: str, body: bytes, now: datetime) -> str:
    """Check ``t=<unix>,v1=<hex>`` (HMAC-SHA256 over ``"<t>." + body``); returns the signature."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        stamp = int(parts["t"][0])
        signatures = parts["v1"]
    except (KeyError, ValueError, IndexError) as exc:
        raise AuthenticationFailed("Missing or malformed X-Oqim-Signature.", code="invalid_signature") from exc
    if abs(now.timestamp() - stamp) > WEBHOOK_TOLERANCE.total_seconds():
        raise AuthenticationFailed("The signature timestamp is outside the 5-minute tolerance.", code="stale_signature")
    secret = unseal(provider.webhook_secret_sealed).encode()
    expected = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    for candidate in signatures:
        if hmac.compare_digest(expected, candidate):
            return f"{stamp}.{candidate}"
    raise AuthenticationFailed("The signature does not match.", code="invalid_signature")


def sign_webhook(secret: str, body: bytes, *, at: datetime | None = None) -> str:
    """The ``X-Oqim-Signature`` value a provider sends (for providers' integration and tests)."""
    stamp = int((at or timezone.now()).timestamp())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def _webhook_order(provider: Provider, payload: dict) -> Order:
    key, reference = payload.get("client_order_id"), payload.get("reference")
    query = Q()
    if isinstance(reference, str) and reference:
        query |= Q(provider_reference=reference)
    if isinstance(key, str) and key:
        head, _, round_ = key.partition(".")
        with contextlib.suppress(ValueError):
            query |= Q(public_id=uuid.UUID(head), dispatch_round=int(round_ or 0))
    order = unique_or_none(Order.objects.filter(query, provider=provider)) if query else None
    if order is None:
        raise NotFound("No order of this provider matches client_order_id or reference.", code="order_not_found")
    return order


def webhook_receive(*, provider: Provider, signature: str, body: bytes, now: datetime | None = None) -> Order | None:
    """Apply a signed provider notification. Returns the order, or None for a replay (the same
    signature seen before), which changes nothing."""
    now = now or timezone.now()
    signed = _verify(provider, signature, body, now)
    try:
        payload = loads(body)
    except ValueError as exc:
        raise ValidationError({"body": ["Not JSON."]}, code="invalid") from exc
    if not isinstance(payload, dict) or payload.get("status") not in PROVIDER_STATUSES:
        raise ValidationError({"status": [f"One of {', '.join(PROVIDER_STATUSES)}."]}, code="invalid_choice")
    if payload["status"] == COMPLETED and not (isinstance(payload.get("pin"), str) and payload["pin"]):
        raise ValidationError({"pin": ["A completed order needs its PIN."]}, code="required")
    found = _webhook_order(provider, payload)
    answer = Answer(
        status=payload["status"],
        reference=str(payload.get("reference") or "")[:100] or None,
        pin=payload.get("pin") if payload["status"] == COMPLETED else None,
        reason=str(payload.get("reason") or "")[:500],
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(
                    provider=provider, digest=hashlib.sha256(signed.encode()).hexdigest(), received_at=now
                )
        except IntegrityError:
            return None
        order = _locked(found.pk)
        before = order.status
        if before in ACTIVE:
            _apply(order, answer, now=now)
            order.save()
            outcome = answer.status
        else:
            outcome = Outcome.IGNORED
        _attempt(order, AttemptKind.WEBHOOK, now=now, outcome=outcome, before=before, answer=answer)
    return order


# -- operators


def cancel(*, order: Order, actor: User, now: datetime | None = None) -> Order:
    """Cancel an order the provider has not taken yet."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order.pk)
        if order.status != OrderStatus.CREATED:
            raise Conflict(
                f"A {order.status} order cannot be cancelled"
                + (": the provider already has it." if order.status in ACTIVE else "."),
                code="order_not_cancellable",
                status=order.status,
            )
        if order.lease_until and order.lease_until > now:
            raise Conflict("The order is being dispatched right now; retry in a few seconds.", code="order_busy")
        before = order.status
        _transition(order, OrderStatus.CANCELLED, now=now, actor_id=actor.pk)
        order.save()
        _attempt(order, AttemptKind.CANCEL, now=now, outcome=Outcome.DONE, before=before, actor=actor)
    return order


def retry(*, order: Order, actor: User, now: datetime | None = None) -> Order:
    """Give a failed order another go with a fresh deadline. An order the provider refused or
    failed is sent again as a new provider order; one that timed out while the provider had it
    resumes status checks on that same order, so it can never be fulfilled twice."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order.pk)
        before = order.status
        if before != OrderStatus.FAILED:
            raise Conflict(f"Only failed orders can be retried; this one is {before}.", code="order_not_retryable")
        order.deadline_at = now + timedelta(seconds=order.provider.deadline_seconds)
        order.finished_at = None
        order.consecutive_errors = 0
        if order.failure_reason == FailureReason.TIMEOUT and order.provider_reference:
            order.checks = 0
            _transition(order, OrderStatus.DISPATCHED, now=now, actor_id=actor.pk)
        else:
            order.dispatch_round += 1
            order.provider_reference = None
            order.dispatched_at = None
            order.dispatch_attempts = 0
            order.checks = 0
            _transition(order, OrderStatus.CREATED, now=now, actor_id=actor.pk)
        order.next_action_at = now
        order.save()
        _attempt(order, AttemptKind.RETRY, now=now, outcome=Outcome.DONE, before=before, actor=actor)
        _schedule_after_commit(order, now)
    return order


def pin_of(order: Order) -> str | None:
    return unseal(order.pin_sealed) if order.pin_sealed else None


# -- the sweep


def sweep(*, now: datetime | None = None, limit: int = 100) -> int:
    """Re-send work for up to ``limit`` pending orders overdue by more than a minute (their message
    was lost: Redis flushed, a worker killed before the broker requeued it). Sending twice is safe:
    the claim lets one message through. Returns how many were re-sent."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status__in=ACTIVE, next_action_at__lte=now - SWEEP_GRACE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .order_by("next_action_at")
        .values_list("pk", "status")[:limit]
    )
    for order_id, status in due:
        send_action(order_id, status)
    WebhookReceipt.objects.filter(received_at__lt=now - 2 * WEBHOOK_TOLERANCE).delete()
    return len(due)
