"""PostgreSQL: trigram indexes for the clients' search (name contains, code prefix or equality,
phone digits contain), so a search stays an index scan at 70,000+ clients."""

from django.db import migrations

from core.db.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [
        trigram_indexes(
            "clients_client",
            {
                "clients_client_name_trgm": "UPPER(name) gin_trgm_ops",
                "clients_client_code_trgm": "UPPER(code) gin_trgm_ops",
                "clients_client_phone_trgm": "phone_digits gin_trgm_ops",
            },
        )
    ]
