"""Reading the one row a unique lookup names."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def unique_or_none(queryset: QuerySet[M]) -> M | None:
    """The row of a lookup that matches at most one (a unique key), or None.

    Unlike ``.first()``, no ``ORDER BY pk``: with it, a key that matches nothing (a new
    idempotency key, the usual case) can make the planner walk the primary key through the
    whole table instead of probing the unique index (27 ms at 100,000 servings, growing).
    """
    found = list(queryset.order_by()[:1])
    return found[0] if found else None
