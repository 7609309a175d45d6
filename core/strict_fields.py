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
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from rest_framework import fields, relations
from rest_framework.exceptions import ValidationError

INTEGER_TEXT = re.compile(r"-?[0-9]+\Z")
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
FLOAT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
# Dates and date-times outside these years are refused: domain code adds days, months and
# time-zone offsets to them, which at year 1 or 9999 leaves what Python's datetime can hold.
MIN_YEAR, MAX_YEAR = 1900, 9998
OUT_OF_RANGE = format_lazy(gettext_lazy("Dates from {start} to {end} only."), start=MIN_YEAR, end=MAX_YEAR)
D = TypeVar("D", bound=date)


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


def _wrap(cls: Any, check: Any, error: str = "invalid") -> None:
    original = cls.to_internal_value

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        if not check(self, data):
            self.fail(error, data_type=type(data).__name__)
        return original(self, data)

    cls.to_internal_value = to_internal_value


def _decimal_without_sign_of_zero(cls: Any) -> None:
    original = cls.to_internal_value

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        value = original(self, data)
        return value.copy_abs() if isinstance(value, Decimal) and value.is_zero() else value

    cls.to_internal_value = to_internal_value


class OutOfRange(ValueError):
    """A date or date-time outside ``MIN_YEAR``..``MAX_YEAR`` (in UTC)."""


def in_range(value: D) -> D:
    """``value`` (a date or date-time), or ``OutOfRange`` outside the supported years. An aware
    date-time comes back in UTC: an offset such as +16:00 is valid ISO 8601 but beyond what
    PostgreSQL accepts, and a value near year 1 or 9999 can leave the range in UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError as exc:
            raise OutOfRange(OUT_OF_RANGE) from exc
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise OutOfRange(OUT_OF_RANGE)
    return value


def _in_range_after(cls: type, method: str) -> None:
    """Pass what ``cls.method`` returns through ``in_range``, refusing it as a field error."""
    original = getattr(cls, method)

    def checked(self, value):  # type: ignore[no-untyped-def]
        try:
            return in_range(original(self, value))
        except OutOfRange:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None

    setattr(cls, method, checked)


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
    _in_range_after(fields.DateTimeField, "enforce_timezone")
    _in_range_after(fields.DateField, "to_internal_value")
