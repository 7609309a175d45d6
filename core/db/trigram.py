"""Trigram indexes for ``contains`` searches on PostgreSQL, as a migration operation.

Needs the pg_trgm extension; where the database role may not create it, the search still works,
by scanning. Other databases get nothing (SQLite scans; its tables are small)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def trigram_indexes(table: str, indexes: dict[str, str]) -> migrations.RunPython:
    """``indexes`` maps an index name to its expression (``"UPPER(name) gin_trgm_ops"``); each
    covers the live rows only (``deleted_at IS NULL``)."""

    def create(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic():
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            logger.warning("pg_trgm unavailable: searches on %s will scan instead of using an index", table)
            return
        for name, expression in indexes.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression}) WHERE deleted_at IS NULL"
            )

    def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
