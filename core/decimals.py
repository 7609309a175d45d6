"""Exact quantities and money, the same everywhere: their database columns and their wire fields.

Never a float: quantities have 3 decimals (grams, millilitres, pieces), money 2, both as strings on
the wire. Every domain that stores or shows either uses these, so a recipe's rice and a receipt's
sugar round and print alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from rest_framework import serializers


class Digits(TypedDict):
    max_digits: int
    decimal_places: int


QUANTITY: Digits = {"max_digits": 14, "decimal_places": 3}
MONEY: Digits = {"max_digits": 14, "decimal_places": 2}
MAX_QUANTITY = Decimal("1000000000")  # 1,000 t in grams: beyond it, a typo
MAX_MONEY = Decimal("1000000000")


def quantity_field(**kwargs: Any) -> serializers.DecimalField:
    """A positive exact quantity: at most 3 decimals, never a float."""
    kwargs.setdefault("min_value", Decimal("0.001"))
    kwargs.setdefault("max_value", MAX_QUANTITY)
    return serializers.DecimalField(**QUANTITY, coerce_to_string=True, **kwargs)


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An exact amount of money: at most 2 decimals, never negative, never a float."""
    kwargs.setdefault("min_value", Decimal(0))
    kwargs.setdefault("max_value", MAX_MONEY)
    return serializers.DecimalField(**MONEY, coerce_to_string=True, **kwargs)


def currency_field(**kwargs: Any) -> serializers.RegexField:
    kwargs.setdefault("help_text", "ISO 4217 code, e.g. USD, EUR, UZS.")
    return serializers.RegexField(
        r"^[A-Z]{3}\Z", max_length=3, error_messages={"invalid": "Three capital letters (ISO 4217)."}, **kwargs
    )
