"""Query-string filters with the same strictness as request bodies (core.strict_fields).

django-filter's date-time field keeps the client's UTC offset, and PostgreSQL refuses offsets
beyond ±15:59 with an error that surfaced as a 500; ids were decimals that Django truncated.
FilterSets use these instead of django-filter's own.
"""

from __future__ import annotations

import django_filters
from django import forms
from django_filters import fields

from core.strict_fields import MAX_YEAR, MIN_YEAR, OUT_OF_RANGE, OutOfRange, as_utc

BIGINT_MAX = 2**63 - 1


def _in_range(value):  # type: ignore[no-untyped-def]
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
    return value


class UTCIsoDateTimeField(fields.IsoDateTimeField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        value = super().to_python(value)
        if value is not None and value.tzinfo is not None:
            try:
                return as_utc(value)
            except OutOfRange as exc:
                raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range") from exc
        return _in_range(value)


class BoundedDateField(forms.DateField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        return _in_range(super().to_python(value))


class DateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1, never a decimal truncated to one."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class WholeNumberFilter(django_filters.NumberFilter):
    """A count (minutes, days) within bounds the caller states, so date arithmetic cannot overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
