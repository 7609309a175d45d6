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
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows],
        )
