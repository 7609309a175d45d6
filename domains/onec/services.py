"""Writes of the 1C integration: the connection, and running an exchange.

An exchange works like 1C's exchange plans. Oqim asks for the message after the last one it
applied. It applies that message's changes (clients, then the catalog) and records the message
number, all in one transaction. Then it confirms the number to 1C. A crash anywhere repeats a
message and never skips one, and applying a message twice changes nothing. A message that fails
(malformed, or 1C refuses) is journaled with the offending row, and nothing of it is applied.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.egress_guard import require_allowed
from core.models import Membership, Organization
from core.secrets import SecretUnreadable, seal, unseal
from core.timezones import iso_z
from domains.alarms import api as alarms
from domains.catalog import api as catalog
from domains.clients import api as clients
from domains.members import api as members
from domains.onec import events, problems
from domains.onec.alarms import ONEC_FAILING
from domains.onec.client import BadAnswer, OnecClient, Unreachable
from domains.onec.models import Connection, Document, DocumentStatus, Exchange, ExchangeStatus
from domains.visits import api as visits
from realtime.events import emit

logger = logging.getLogger(__name__)
ORDER_KIND, VISIT_KIND = "customer_order", "visit"


def connection_save(*, tenant: Organization, password: str | None = None, **values: Any) -> Connection:
    """Create or change the organization's connection; ``password`` None keeps the stored one."""
    connection = Connection.objects.filter(tenant=tenant).first() or Connection(tenant=tenant)
    urls = ("wsdl_url", "failover_url")
    changed = [k for k in urls if values.get(k, getattr(connection, k)) != getattr(connection, k)]
    # The worker will call them: the SSRF guard judges them now (a name that does not resolve
    # yet passes, a 1C being set up; each call is judged again).
    for name in changed:
        if values[name]:
            require_allowed(values[name], field=name, unresolvable_ok=True)
    for name, value in values.items():
        setattr(connection, name, value)
    if password is not None:
        connection.password_sealed = seal(password) if password else ""
    if changed:
        connection.primary_skipped_until = None
    connection.save()
    return connection


def client_for(connection: Connection) -> OnecClient:
    return OnecClient(
        primary=connection.wsdl_url,
        failover=connection.failover_url,
        username=connection.username,
        password=unseal(connection.password_sealed) if connection.password_sealed else "",
        timeout=float(connection.timeout_seconds),
        skip_primary=bool(connection.primary_skipped_until and connection.primary_skipped_until > timezone.now()),
    )


def test_connection(*, connection: Connection) -> dict[str, str]:
    """Ask each URL on its own who answers (nothing is exchanged)."""
    return client_for(connection).each_url(lambda service: service.Ping())


def request_full(*, connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(full_requested=True)


def _start(tenant: Organization, trigger: str) -> Exchange | None:
    """The journal row of a new exchange, or None while another runs (a dead one is replaced)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ONEC_EXCHANGE_STALE_SECONDS)
    Exchange.objects.filter(tenant=tenant, status=ExchangeStatus.RUNNING, started_at__lt=stale).update(
        status=ExchangeStatus.FAILED, finished_at=now, error=gettext_noop("abandoned: its worker stopped mid-exchange")
    )
    try:
        with transaction.atomic():
            return Exchange.objects.create(tenant=tenant, trigger=trigger, started_at=now)
    except IntegrityError:
        return None


def _apply(tenant: Organization, changes: dict[str, Any]) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    # Agents before the clients that name them; both before the catalog (terms name clients).
    for kind, sync in (("agents", members.agents_sync), ("clients", clients.clients_sync)):
        rows = changes.pop(kind, [])
        if not isinstance(rows, list):
            raise ValueError(f"{kind}[0]: must be a list of rows")
        if rows and (changed := sync(tenant=tenant, rows=rows)):
            counts[kind] = changed
    applied = catalog.apply_changes(tenant=tenant, changes=changes)
    for kind, count in applied.counts.items():
        counts[kind] = counts.get(kind, 0) + count
    return counts, applied.deferred


def _merge(total: dict[str, int], more: dict[str, int]) -> None:
    for kind, count in more.items():
        total[kind] = total.get(kind, 0) + count


def _message(exchange: Exchange, client: OnecClient, *, full: bool) -> bool:
    """Fetch, apply and record one message; returns whether 1C has more."""
    connection = Connection.objects.get(tenant_id=exchange.tenant_id)
    after = connection.applied_message
    answer = client.call(
        "GetChanges", Node=connection.node, AfterMessage=after, PageSize=connection.page_size, Full=full
    )
    number, more = int(answer.MessageNo), bool(answer.More)
    if number != after + 1:
        raise BadAnswer(f"1C handed message {number} after {after}: a message would be skipped")
    try:
        changes = json.loads(answer.Changes or "{}")
    except ValueError as error:
        raise BadAnswer(f"message {number}: its changes are not JSON ({error})") from None
    if not isinstance(changes, dict):
        raise BadAnswer(f"message {number}: its changes must be a JSON object of kinds")
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        if locked.applied_message != after:  # another process applied it meanwhile
            return True
        counts, deferred = _apply(exchange.tenant, changes)
        locked.applied_message = number
        locked.full_requested = locked.full_requested and not full
        locked.save(update_fields=["applied_message", "full_requested", "updated_at"])
        _merge(exchange.counts, counts)
        exchange.first_message = exchange.first_message or number
        exchange.last_message = number
        exchange.messages += 1
        exchange.deferred = deferred
        exchange.save(update_fields=["counts", "first_message", "last_message", "messages", "deferred"])
        emit(
            tenant_id=exchange.tenant_id,
            type=events.PROGRESS.name,
            data={"exchange_id": exchange.pk, "message": number, "more": more, "counts": exchange.counts},
        )
    _confirm(connection, client, number)
    return more


def _confirm(connection: Connection, client: OnecClient, number: int) -> None:
    client.call("Confirm", Node=connection.node, MessageNo=number)
    Connection.objects.filter(pk=connection.pk, confirmed_message__lt=number).update(confirmed_message=number)


def run_exchange(*, tenant: Organization, trigger: str = "schedule") -> Exchange | None:
    """Run one exchange to the end (every message 1C has); None when one is running already.
    ``enabled`` is the schedule's switch: an exchange asked for by a person runs with it off."""
    connection = Connection.objects.filter(tenant=tenant).first()
    if connection is None or (not connection.enabled and trigger == "schedule"):
        return None
    exchange = _start(tenant, trigger)
    if exchange is None:
        return None
    client = OnecClient(primary=connection.wsdl_url)  # until the real one is built
    error, record = "", None
    try:
        client = client_for(connection)
        if connection.confirmed_message < connection.applied_message:  # a confirm lost last time
            _confirm(connection, client, connection.applied_message)
        full = connection.full_requested or trigger == "full"
        while _message(exchange, client, full=full):
            full = False
    except catalog.MalformedChange as failure:
        error = problems.MALFORMED_CHANGE.format(detail=failure)
        record = {"kind": failure.kind, "index": failure.index, "row": failure.row}
    except ValueError as failure:  # a client row (clients' own check)
        error = problems.MALFORMED_CHANGE.format(detail=failure)
    except (BadAnswer, Unreachable) as failure:
        error = str(failure)
    except SecretUnreadable:
        error = gettext_noop(
            "the stored 1C password cannot be opened: enter it again (were FIELD_ENCRYPTION_KEYS changed?)"
        )
    except Exception as failure:  # a bug or a database outage: journaled, then raised for the worker
        _finish(exchange, connection, client, problems.INTERNAL.format(kind=type(failure).__name__), None)
        raise
    _finish(exchange, connection, client, error, record)
    return exchange


def _finish(exchange: Exchange, connection: Connection, client: OnecClient, error: str, record: Any) -> None:
    now = timezone.now()
    exchange.status = ExchangeStatus.FAILED if error else ExchangeStatus.SUCCEEDED
    exchange.finished_at, exchange.error, exchange.error_record = now, error, record
    exchange.url_used, exchange.failovers = client.used, client.switches
    with transaction.atomic():
        exchange.save()
        updates: dict[str, Any] = {"failovers": F("failovers") + client.switches}
        if client.switches:
            updates["primary_skipped_until"] = now + timedelta(seconds=settings.ONEC_PRIMARY_COOLDOWN_SECONDS)
        elif client.used == connection.wsdl_url:
            updates["primary_skipped_until"] = None
        updates["failing_since"] = failing_since = (connection.failing_since or now) if error else None
        Connection.objects.filter(pk=connection.pk).update(**updates)
        emit(
            tenant_id=exchange.tenant_id,
            type=events.FINISHED.name,
            data={
                "exchange_id": exchange.pk,
                "status": exchange.status,
                "messages": exchange.messages,
                "counts": exchange.counts,
                "url_used": exchange.url_used,
                "failovers": exchange.failovers,
                "error": error,
            },
        )
        _alarm(exchange, since=failing_since, error=error)
    if error:
        logger.warning(
            "1C exchange failed", extra={"tenant_id": exchange.tenant_id, "exchange_id": exchange.pk, "error": error}
        )


def _alarm(exchange: Exchange, *, since: Any, error: str) -> None:
    """One alarm per outage (its first failure names it); the first success clears it."""
    if since is None:
        alarms.clear_alarms(tenant_id=exchange.tenant_id, kind=ONEC_FAILING)
        return
    alarms.raise_alarm(
        tenant_id=exchange.tenant_id,
        kind=ONEC_FAILING,
        subject=f"onec-{since:%Y%m%dT%H%M%S}",
        details={"exchange_id": exchange.pk, "error": error},
        event={"failing_since": iso_z(since), "error": error},
    )


class NotSent(Exception):
    """The document did not reach 1C this time (no answer, or no enabled connection); the job is
    retried with backoff."""


class Refused(Exception):
    """1C refused the document, or its answer made no sense: journaled as failed, not retried."""


def _agent_code(tenant_id: int, user_id: int) -> str:
    code = (
        Membership.all_objects.filter(tenant_id=tenant_id, user_id=user_id)
        .order_by("deleted_at", "-id")
        .values_list("onec_code", flat=True)
        .first()
    )
    return code or ""


def _put(*, tenant_id: int, kind: str, ident: str, object_id: int, body: dict[str, Any]) -> Document:
    """Send one document with ``PutDocument``, once: its journal row says when it was. A repeat
    after a lost answer is harmless, 1C deduplicates by ``ident``. Raises ``NotSent`` (retry)
    or ``Refused`` (final), both journaled."""
    document, _ = Document.objects.get_or_create(
        tenant_id=tenant_id, kind=kind, ident=ident, defaults={"object_id": object_id}
    )
    if document.status == DocumentStatus.SENT:
        return document
    connection = Connection.objects.filter(tenant_id=tenant_id, enabled=True).first()
    if connection is None:
        _journal(document, error=gettext_noop("no 1C connection is enabled: sent once one is"))
        raise NotSent(document.last_error)
    try:
        client = client_for(connection)
        answer = client.call("PutDocument", Node=connection.node, Kind=kind, Id=ident, Body=json.dumps(body))
    except Unreachable as failure:
        _journal(document, error=str(failure))
        raise NotSent(str(failure)) from failure
    except (BadAnswer, SecretUnreadable) as failure:
        _journal(document, error=str(failure), status=DocumentStatus.FAILED)
        raise Refused(str(failure)) from failure
    document.number, document.onec_status = str(answer.Number or "")[:50], str(answer.Status or "")[:50]
    document.url_used, document.sent_at = client.used, timezone.now()
    _journal(document, error="", status=DocumentStatus.SENT)
    return document


def _journal(document: Document, *, error: str, status: str = DocumentStatus.PENDING, tried: bool = True) -> None:
    document.attempts += int(tried)
    document.status, document.last_error = status, error[:2000]
    with transaction.atomic():
        document.save()
        emit(
            tenant_id=document.tenant_id,
            type=events.DOCUMENT_CHANGED.name,
            data={
                "document_id": document.pk,
                "kind": document.kind,
                "ident": document.ident,
                "status": document.status,
                "attempts": document.attempts,
                "number": document.number,
                "last_error": document.last_error,
            },
        )


def send_field_order(*, order_id: int) -> None:
    """Send one agent's order to 1C as a customer order, named by the order's uid."""
    order = catalog.order_document(order_id=order_id)
    if order is None or not order.pending:
        return
    body = {**order.body, "agent": _agent_code(order.tenant_id, order.agent_id)}
    try:
        document = _put(tenant_id=order.tenant_id, kind=ORDER_KIND, ident=order.uid, object_id=order_id, body=body)
    except NotSent as failure:
        catalog.field_order_send_attempt(order_id=order_id, error=str(failure))
        raise
    except Refused as failure:
        catalog.field_order_failed(order_id=order_id, error=str(failure))
        return
    catalog.field_order_sent(order_id=order_id, number=document.number, status=document.onec_status)


def send_visit(*, visit_id: int) -> None:
    """Send a finished visit with its checklist results to 1C, named ``visit-<id>``. An
    organization without a 1C connection has nothing to send."""
    visit = visits.visit_report(visit_id=visit_id)
    if visit is None or not Connection.objects.filter(tenant_id=visit.tenant_id).exists():
        return
    body = {**visit.body, "agent": _agent_code(visit.tenant_id, visit.agent_id)}
    try:
        _put(tenant_id=visit.tenant_id, kind=VISIT_KIND, ident=body["id"], object_id=visit.visit_id, body=body)
    except Refused:
        return  # journaled; a retry would be refused the same way


def give_up(*, actor_name: str, args: list[Any], attempts: int) -> None:
    """The last retry failed: the document is journaled as failed (an order shows it too)."""
    if actor_name == "onec.send_field_order":
        order = catalog.order_document(order_id=args[0])
        if order is not None and order.pending:
            error = problems.GAVE_UP.format(attempts=attempts, inner=order.last_error)
            catalog.field_order_failed(order_id=order.order_id, error=error[:2000])
        kind, ident = ORDER_KIND, order.uid if order else ""
    else:
        kind, ident = VISIT_KIND, f"visit-{args[0]}"
    document = Document.objects.filter(kind=kind, ident=ident, status=DocumentStatus.PENDING).first()
    if document is not None:
        error = problems.GAVE_UP.format(attempts=attempts, inner=document.last_error)
        _journal(document, error=error, status=DocumentStatus.FAILED, tried=False)
