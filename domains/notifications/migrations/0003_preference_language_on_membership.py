"""A member's language moves to their membership (core), where the API reads it on every request
without a query of its own; what members chose here is kept."""

from django.db import migrations


def to_membership(apps, schema_editor):  # type: ignore[no-untyped-def]
    Preference = apps.get_model("notifications", "Preference")
    Membership = apps.get_model("core", "Membership")
    for tenant_id, user_id, language in Preference.objects.values_list("tenant_id", "user_id", "language"):
        Membership.objects.filter(tenant_id=tenant_id, user_id=user_id, deleted_at__isnull=True).update(
            language=language
        )


def to_preference(apps, schema_editor):  # type: ignore[no-untyped-def]
    Preference = apps.get_model("notifications", "Preference")
    Membership = apps.get_model("core", "Membership")
    for preference in Preference.objects.all():
        chosen = (
            Membership.objects.filter(tenant_id=preference.tenant_id, user_id=preference.user_id)
            .exclude(language="")
            .values_list("language", flat=True)
            .first()
        )
        if chosen:
            Preference.objects.filter(pk=preference.pk).update(language=chosen)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_membership_language"),
        ("notifications", "0002_notification_lease"),
    ]

    operations = [
        migrations.RunPython(to_membership, to_preference),
        migrations.RemoveField(model_name="preference", name="language"),
    ]
