"""Query-string filters with the same strictness as request bodies (core.strict_fields).

django-filter's date-time field keeps the client's UTC offset, and PostgreSQL refuses offsets
beyond ±15:59 with an error that surfaced as a 500; integer columns were filtered by decimals
that Django truncated. ``FilterSet`` (the base of every FilterSet, and of those the backend
builds from ``filterset_fields``) generates these filters, and declared ones use them too.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django_filters import fields
from django_filters import rest_framework as drf_filters

from core.strict_fields import OUT_OF_RANGE, OutOfRange, in_range

BIGINT_MAX = 2**63 - 1


def _checked(value):  # type: ignore[no-untyped-def]
    try:
        return None if value is None else in_range(value)
    except OutOfRange as exc:
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range") from exc


class UTCIsoDateTimeField(fields.IsoDateTimeField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        return _checked(super().to_python(value))


class BoundedDateField(forms.DateField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        return _checked(super().to_python(value))


class DateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds (by default the database's), so neither a truncated decimal
    nor an overflow reaches a query or date arithmetic."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = -BIGINT_MAX, max_value: int = BIGINT_MAX, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class IdFilter(IntegerFilter):
    """A row id: a whole number from 1."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, min_value=1, **kwargs)


class FilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": IntegerFilter}
            for field in drf_filters.FilterSet.FILTER_DEFAULTS
            if issubclass(field, models.IntegerField)
        },
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    """DRF's django-filter backend, building ``filterset_fields`` on our ``FilterSet``."""

    filterset_base = FilterSet
