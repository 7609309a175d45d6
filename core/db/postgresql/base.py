"""Django's PostgreSQL backend, reading timestamps at C speed.

Django registers its own ``timestamptz`` loader, a Python subclass of psycopg's pure-Python
loader: every timestamp read through the ORM then costs ~7 µs of Python (20 ms for a page of
300 agent states with seven timestamps each; docs/decisions.md, "Reading timestamps"). Django
sets every session's time zone to UTC, where psycopg's own C loader already returns exactly
what Django's would (``tzinfo=datetime.timezone.utc``), so this backend registers that one.
Connections whose session time zone is not UTC keep Django's loader.
"""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg.adapt import AdaptersMap
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid
_CLoader: Any = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader:
    """Makes psycopg's C loader (a final type, not subclassable) pass Django's check: Django
    compares ``timezone`` with the connection's before each cursor and keeps a loader that
    agrees."""

    timezone = UTC
    format = Format.TEXT

    def __new__(cls, oid: int, context: Any = None) -> Any:
        return _CLoader(oid, context)


@lru_cache
def _adapters(template: AdaptersMap) -> AdaptersMap:
    adapters = AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcTimestamptzLoader)  # type: ignore[arg-type]  # a factory, see above
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if self.timezone == UTC and "context" in params:
            params["context"] = _adapters(params["context"])
        return params
