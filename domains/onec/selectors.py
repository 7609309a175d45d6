"""Reads of the 1C integration."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.models import Organization
from domains.onec.models import Connection, Document, Exchange, ExchangeStatus


def connection_of(*, tenant: Organization) -> Connection | None:
    return Connection.objects.filter(tenant=tenant).first()


def exchange_list(*, tenant: Organization) -> QuerySet[Exchange]:
    return Exchange.objects.filter(tenant=tenant)


def document_list(*, tenant: Organization) -> QuerySet[Document]:
    return Document.objects.filter(tenant=tenant)


def running_exchange(*, tenant: Organization) -> Exchange | None:
    """The exchange running now, if any; one silent for longer than its stale limit is dead, and the
    next exchange replaces it."""
    alive = timezone.now() - timedelta(seconds=settings.ONEC_EXCHANGE_STALE_SECONDS)
    running = Exchange.objects.filter(tenant=tenant, status=ExchangeStatus.RUNNING, started_at__gte=alive)
    return running.order_by("-started_at").first()
