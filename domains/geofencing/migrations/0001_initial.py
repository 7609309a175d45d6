# Geofencing's table (and its agents' table), moved from the former `locations` app (issue 31)
# under their old names (Meta.db_table), rows included.
#
# A database the `locations` app migrated (to its 0004) already holds them: here Django's state
# learns that geofencing owns them (state only: SeparateDatabaseAndState), and the content type
# follows. A new database gets them made here.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

FORMER, FORMER_LAST = "locations", "0004_geofences"


def made_by_locations(schema_editor):
    """Whether the former locations app made the tables in this database (all its migrations ran)."""
    applied = {name for app, name in MigrationRecorder(schema_editor.connection).applied_migrations() if app == FORMER}
    if applied and FORMER_LAST not in applied:
        raise RuntimeError(
            f"The former locations app is migrated here only to {max(applied)}: migrate with Oqim 6105911 "
            f"(locations {FORMER_LAST}) first, then with this version."
        )
    return bool(applied)


def relabel(apps, old, new):
    """The geofence's content type (and so its permissions) follows it to its app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model="geofence").exists():
        content_type.objects.filter(app_label=old, model="geofence").update(app_label=new)


def create_tables(apps, schema_editor):
    if made_by_locations(schema_editor):
        relabel(apps, FORMER, "geofencing")
    else:
        schema_editor.create_model(apps.get_model("geofencing", "Geofence"))  # with its agents' table


def drop_tables(apps, schema_editor):
    if made_by_locations(schema_editor):
        relabel(apps, "geofencing", FORMER)  # the tables stay: the locations history says they exist
    else:
        schema_editor.delete_model(apps.get_model("geofencing", "Geofence"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0003_membership_onec_code'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Geofence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('deleted_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                        ('name', models.CharField(max_length=100)),
                        ('kind', models.CharField(choices=[('territory', 'Territory (an agent outside it in working hours raises an alarm)'), ('zone', 'Zone (entering, leaving and dwelling are events)')], default='zone', max_length=10)),
                        ('geometry', models.JSONField(help_text='GeoJSON Polygon, MultiPolygon, or Point (with radius_m), [lon, lat].')),
                        ('radius_m', models.FloatField(blank=True, null=True)),
                        ('everyone', models.BooleanField(default=True, help_text='For every agent; else for ``agents`` only.')),
                        ('days', models.JSONField(default=list, help_text='Working days, 0 = Monday; [] is every day.')),
                        ('start_time', models.TimeField(blank=True, help_text="Working hours, in the organization's zone.", null=True)),
                        ('end_time', models.TimeField(blank=True, null=True)),
                        ('dwell_minutes', models.PositiveIntegerField(blank=True, help_text='geofence.dwell after this long.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('agents', models.ManyToManyField(blank=True, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                    ],
                    options={
                        'db_table': 'locations_geofence',
                        'ordering': ['name', 'id'],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_tables, drop_tables),
    ]
