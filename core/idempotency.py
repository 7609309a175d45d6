"""The ``Idempotency-Key`` request header: a retried POST with the same key does its work once."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def idempotency_key(request: Request) -> str | None:
    """The request's key, or None without one; 400 on the header for a malformed key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100 or not key.isprintable():
        raise ValidationError({"Idempotency-Key": ["At most 100 printable characters."]}, code="invalid")
    return key or None


def idempotency_parameter(description: str) -> OpenApiParameter:
    """The header as the OpenAPI schema documents it; ``description`` says what a repeat does."""
    return OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Any unique string up to 100 characters. " + description,
    )
