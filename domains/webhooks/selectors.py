"""Reads of webhooks: endpoints, the delivery log, the event catalogue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.models import Organization
from domains.webhooks.models import Attempt, Delivery, Endpoint
from realtime.events import EVENT_TYPES, EventType


def endpoint_list(*, tenant: Organization) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(tenant=tenant, deleted_at__isnull=True).order_by("pk")


def delivery_log(*, tenant: Organization) -> QuerySet[Delivery]:
    """Newest first, each with its attempts."""
    return (
        Delivery.objects.filter(tenant=tenant)
        .select_related("message")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("pk")))
        .order_by("-pk")
    )


def event_types() -> list[EventType]:
    return sorted(EVENT_TYPES.values(), key=lambda spec: spec.name)
