"""The ``Idempotency-Key`` request header: a retried POST with the same key does its work once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
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
    and whether it is new. The model's unique (tenant, idempotency_key) index settles a race: the
    loser's insert waits for the winner, fails, and gets the winner's row. The caller checks that
    an earlier row is the same request."""

    def earlier() -> Row | None:
        return unique_or_none(model._default_manager.filter(tenant_id=tenant_id, idempotency_key=key)) if key else None

    first = earlier()
    if first is None:
        try:
            return create(), True
        except IntegrityError:
            first = earlier()
            if first is None:
                raise
    return first, False
