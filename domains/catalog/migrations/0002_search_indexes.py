"""PostgreSQL: trigram indexes for the catalog's search (name contains, code prefix or equality),
so a search stays an index scan at 10,000+ products."""

from django.db import migrations

from core.db.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        trigram_indexes(
            "catalog_product",
            {
                "catalog_product_name_trgm": "UPPER(name) gin_trgm_ops",
                "catalog_product_code_trgm": "UPPER(code) gin_trgm_ops",
            },
        )
    ]
