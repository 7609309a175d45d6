"""Reads of the 1C integration."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Organization
from domains.onec.models import Connection, Document, Exchange


def connection_of(*, tenant: Organization) -> Connection | None:
    return Connection.objects.filter(tenant=tenant).first()


def exchange_list(*, tenant: Organization) -> QuerySet[Exchange]:
    return Exchange.objects.filter(tenant=tenant)


def document_list(*, tenant: Organization) -> QuerySet[Document]:
    return Document.objects.filter(tenant=tenant)
