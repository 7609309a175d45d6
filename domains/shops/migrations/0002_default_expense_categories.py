"""Organizations created before the shops existed get the default expense categories too."""

from django.db import migrations

DEFAULTS = ("Rent", "Salary", "Utilities", "Purchase", "Other")


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Organization = apps.get_model("core", "Organization")
    ExpenseCategory = apps.get_model("shops", "ExpenseCategory")
    for tenant_id in Organization.objects.values_list("pk", flat=True):
        if not ExpenseCategory.objects.filter(tenant_id=tenant_id).exists():
            ExpenseCategory.objects.bulk_create([ExpenseCategory(tenant_id=tenant_id, name=n) for n in DEFAULTS])


class Migration(migrations.Migration):
    dependencies = [("shops", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
