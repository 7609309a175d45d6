"""Webhooks for the benches: endpoints, a delivery log as months of use leave it, and what was
due and what is still pending."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from core.models import Organization, User
from domains.webhooks import services
from domains.webhooks.models import Delivery, Endpoint, Message
from realtime.models import OutboxEvent


def endpoints(tenant: Organization, actor: User, urls: Sequence[str], event_types: Sequence[str]) -> list[int]:
    """An endpoint per URL, subscribed to ``event_types``; their ids."""
    return [
        services.endpoint_create(tenant=tenant, actor=actor, url=url, event_types=list(event_types))[0].pk
        for url in urls
    ]


def endpoint_count(tenant_id: int) -> int:
    return Endpoint.objects.filter(tenant_id=tenant_id, deleted_at__isnull=True).count()


def remove_endpoints(tenant_id: int) -> None:
    for endpoint in Endpoint.objects.filter(tenant_id=tenant_id, deleted_at__isnull=True):
        services.endpoint_delete(endpoint=endpoint)


MESSAGES_SQL = """
    INSERT INTO webhooks_message (tenant_id, event_id, type, version, occurred_at, data, sealed)
    SELECT %s, gen_random_uuid(), 'sale.recorded', 1, now() - interval '30 days' + n * interval '1 second',
           jsonb_build_object('sale_id', n), '[]'::jsonb
    FROM generate_series(1, %s) AS n
"""
DELIVERIES_SQL = """
    INSERT INTO webhooks_delivery (tenant_id, endpoint_id, message_id, state, attempts, next_attempt_at,
                                   first_attempt_at, finished_at, created_at)
    SELECT m.tenant_id, e, m.id, 'delivered', 1, m.occurred_at, m.occurred_at, m.occurred_at, m.occurred_at
    FROM webhooks_message m CROSS JOIN unnest(%s::bigint[]) AS e WHERE m.tenant_id = %s
"""
ATTEMPTS_SQL = """
    INSERT INTO webhooks_attempt (tenant_id, delivery_id, started_at, status_code, latency_ms, error, response)
    SELECT tenant_id, id, first_attempt_at, 200, 3, '', 'ok' FROM webhooks_delivery WHERE tenant_id = %s
"""


def delivery_history(tenant_id: int, endpoint_ids: list[int], rows: int) -> int:
    """``rows`` delivered deliveries of a month ago, each with its attempt, spread over the
    endpoints, in three INSERT … SELECTs; how many."""
    per = max(1, rows // len(endpoint_ids))
    with connection.cursor() as cursor:
        cursor.execute(MESSAGES_SQL, [tenant_id, per])
        cursor.execute(DELIVERIES_SQL, ["{" + ",".join(map(str, endpoint_ids)) + "}", tenant_id])
        cursor.execute(ATTEMPTS_SQL, [tenant_id])
        cursor.execute("ANALYZE webhooks_message, webhooks_delivery, webhooks_attempt")
    return per * len(endpoint_ids)


def last_message_id() -> int:
    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def unsettled() -> int:
    """Events the fan-out has yet to hand over (it writes the deliveries), and deliveries pending."""
    return OutboxEvent.objects.filter(fanout=True).count() + Delivery.objects.filter(state="pending").count()


def messages_since(last_id: int) -> list[tuple[str, float, Any]]:
    """The messages written after ``last_id``: (event id, when it occurred, its sale id), in order."""
    found = Message.objects.filter(pk__gt=last_id).order_by("pk")
    return [
        (str(e), at.timestamp(), sale) for e, at, sale in found.values_list("event_id", "occurred_at", "data__sale_id")
    ]
