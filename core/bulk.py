"""Writing many rows' changed fields at once."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def update_rows(rows: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """Save ``field_names`` of each row: one parametrized UPDATE per row, sent together with
    ``executemany``. Cheaper than ``bulk_update``, whose CASE expression per field costs more
    in Python than the statements it saves."""
    if not rows:
        return
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE {meta.pk.column} = %s"
    # psycopg adapts plain values (numbers, text, aware datetimes) itself; only JSON needs
    # Django's preparation there. SQLite needs it for every field (datetimes become text).
    native = connection.vendor == "postgresql"
    prepared = [not native or isinstance(f, models.JSONField) for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    f.get_db_prep_save(getattr(row, f.attname), connection) if prep else getattr(row, f.attname)
                    for f, prep in zip(fields, prepared, strict=True)
                ]
                + [row.pk]
                for row in rows
            ],
        )
