"""Strict input types for every DRF serializer: ours, ModelSerializer's generated fields and
third-party ones (simplejwt's login).

DRF coerces quietly: an id of ``1.5`` finds row 1 (Django's ``int()``), ``"1_000"`` and
``"  1 "`` are decimals (Python's ``Decimal``), a name sent as the number ``12345`` becomes
``"12345"``, and ``"-0"`` is stored as ``-0.00``. A client that sends the wrong type has a bug
it should hear about, so we refuse it with the field's ``invalid`` (or ``incorrect_type``)
error. Query strings and multipart forms carry text, so integers and decimals may come as
plain digit strings; nothing else is converted.

Installed once from ``CoreConfig.ready``: a per-serializer base class would have to be
remembered in every serializer, and the generated and third-party fields would escape it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from rest_framework import fields, relations
from rest_framework.exceptions import ValidationError

INTEGER_TEXT = re.compile(r"-?[0-9]+\Z")
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
FLOAT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
# Dates and date-times outside these years are refused: domain code adds days, months and
# time-zone offsets to them, which at year 1 or 9999 leaves what Python's datetime can hold.
MIN_YEAR, MAX_YEAR = 1900, 9998
OUT_OF_RANGE = f"Dates from {MIN_YEAR} to {MAX_YEAR} only."


def is_integer(data: Any) -> bool:
    return (isinstance(data, int) and not isinstance(data, bool)) or (
        isinstance(data, str) and INTEGER_TEXT.match(data) is not None
    )


def _is_number(data: Any, text: re.Pattern[str]) -> bool:
    if isinstance(data, bool):
        return False
    return isinstance(data, int | float | Decimal) or (isinstance(data, str) and text.match(data) is not None)


def _integer_key(field: relations.PrimaryKeyRelatedField, data: Any) -> bool:
    """Ids of integer keys must be integers; other keys (UUIDs) are left to their own field."""
    if field.pk_field is not None:
        return True
    queryset = field.get_queryset()
    key = queryset.model._meta.pk if queryset is not None else None
    return not isinstance(key, models.IntegerField) or is_integer(data)


def _wrap(cls: type, check: Any, error: str = "invalid") -> None:
    original = cls.to_internal_value

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        if not check(self, data):
            self.fail(error, data_type=type(data).__name__)
        return original(self, data)

    to_internal_value.__wrapped__ = original  # type: ignore[attr-defined]
    cls.to_internal_value = to_internal_value


def _decimal_without_sign_of_zero(cls: type) -> None:
    original = cls.to_internal_value

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        value = original(self, data)
        return value.copy_abs() if isinstance(value, Decimal) and value.is_zero() else value

    cls.to_internal_value = to_internal_value


class OutOfRange(ValueError):
    pass


def as_utc(value: datetime) -> datetime:
    """An aware date-time in UTC, or ``OutOfRange``: an offset such as +16:00 is valid ISO 8601
    but beyond what PostgreSQL accepts, and a value near year 1 or 9999 leaves the range in UTC."""
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise OutOfRange(OUT_OF_RANGE) from exc
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise OutOfRange(OUT_OF_RANGE)
    return value


def _utc_datetimes(cls: type) -> None:
    original = cls.enforce_timezone

    def enforce_timezone(self, value):  # type: ignore[no-untyped-def]
        value = original(self, value)
        try:
            return as_utc(value) if value.tzinfo is not None else value
        except OutOfRange:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None

    cls.enforce_timezone = enforce_timezone


def _dates_in_range(cls: type) -> None:
    original = cls.to_internal_value

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        value = original(self, data)
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value

    cls.to_internal_value = to_internal_value


def install() -> None:
    if getattr(fields, "_oqim_strict", False):
        return
    fields._oqim_strict = True  # type: ignore[attr-defined]
    _wrap(fields.CharField, lambda field, data: isinstance(data, str))
    _wrap(fields.IntegerField, lambda field, data: is_integer(data))
    _wrap(fields.DecimalField, lambda field, data: _is_number(data, DECIMAL_TEXT))
    _wrap(fields.FloatField, lambda field, data: _is_number(data, FLOAT_TEXT))
    _wrap(relations.PrimaryKeyRelatedField, _integer_key, "incorrect_type")
    _decimal_without_sign_of_zero(fields.DecimalField)
    _utc_datetimes(fields.DateTimeField)
    _dates_in_range(fields.DateField)
