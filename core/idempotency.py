"""The ``Idempotency-Key`` request header: a retried POST with the same key does its work once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request

from core.lookups import unique_or_none


def idempotency_key(request: Request) -> str | None:
    """The request's key, or None without one; 400 on the header for a malformed key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100 or not key.isprintable():
        raise ValidationError({"Idempotency-Key": [gettext("At most 100 printable characters.")]}, code="invalid")
    return key or None


def idempotency_parameter(description: str) -> OpenApiParameter:
    """The header as the OpenAPI schema documents it; ``description`` says what a repeat does."""
    return OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Any unique string up to 100 characters. " + description,
    )


Row = TypeVar("Row", bound=models.Model)


def once(model: type[Row], *, tenant_id: int, key: str | None, create: Callable[[], Row]) -> tuple[Row, bool]:
    """``create()`` unless a row of ``model`` already holds this tenant's ``key``; returns the row
    and whether it is new. The caller checks that an earlier row is the same request.

    The first try costs no lookup: the model's unique (tenant, idempotency_key) index refuses a
    repeat (and settles a race, the loser's insert waiting for the winner), and ``create`` runs
    in its own transaction, so the repeat's work is rolled back. A repeat can also fail earlier,
    on what the first request changed (the stock it took, a line it returned): whatever a keyed
    ``create`` refuses, the first request's row, when there is one, is the answer."""
    if not key:
        return create(), True
    try:
        return create(), True
    except (IntegrityError, APIException):
        first = unique_or_none(model._default_manager.filter(tenant_id=tenant_id, idempotency_key=key))
        if first is None:
            raise
    return first, False
