"""PostgreSQL: trigram indexes for the clients' search (name contains, code prefix or equality,
phone digits contain), so a search stays an index scan at 70,000+ clients. Needs the pg_trgm
extension; where the database role may not create it, the search still works, by scanning."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = {
    "clients_client_name_trgm": "UPPER(name) gin_trgm_ops",
    "clients_client_code_trgm": "UPPER(code) gin_trgm_ops",
    "clients_client_phone_trgm": "phone_digits gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("pg_trgm unavailable: client search will scan instead of using an index")
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON clients_client USING gin ({expression}) WHERE deleted_at IS NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
