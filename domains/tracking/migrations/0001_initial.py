# Tracking's tables, moved from the former `locations` app (issue 31) under their old names
# (Meta.db_table), rows and partitions included.
#
# A database the `locations` app migrated (to its 0004) already holds the tables, their rows and,
# on PostgreSQL, the points' daily partitions: here Django's state learns that tracking owns them
# (state only: SeparateDatabaseAndState), and their content types follow. A new database gets the
# tables made here as the locations migrations made them: on PostgreSQL the points table
# range-partitioned by day (domains/tracking/partitions.py), its primary key including the
# partition key; on SQLite the plain table the state describes.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

FORMER, FORMER_LAST = "locations", "0004_geofences"
MOVED = ["FieldSettings", "AgentState", "Device", "LocationPoint"]

POSTGRES_POINTS = [
    "CREATE SEQUENCE locations_locationpoint_id_seq",
    """CREATE TABLE locations_locationpoint (
        id bigint NOT NULL DEFAULT nextval('locations_locationpoint_id_seq'),
        tenant_id bigint NOT NULL,
        agent_id bigint NOT NULL,
        recorded_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        lat double precision NOT NULL,
        lon double precision NOT NULL,
        accuracy double precision NULL,
        speed double precision NULL,
        heading double precision NULL,
        battery smallint NULL,
        client_id varchar(64) NOT NULL,
        filtered varchar(16) NOT NULL,
        source varchar(12) NOT NULL,
        altitude double precision NULL,
        attributes jsonb NULL,
        PRIMARY KEY (id, recorded_at)
    ) PARTITION BY RANGE (recorded_at)""",
    "ALTER SEQUENCE locations_locationpoint_id_seq OWNED BY locations_locationpoint.id",
    "ALTER TABLE locations_locationpoint ADD CONSTRAINT locations_point_unique_fix"
    " UNIQUE (tenant_id, agent_id, recorded_at, client_id)",
]


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
    """The moved models' content types (and so their permissions) follow them to their app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    names = [name.lower() for name in MOVED]
    taken = set(content_type.objects.filter(app_label=new, model__in=names).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(names) - taken).update(app_label=new)


def create_tables(apps, schema_editor):
    if made_by_locations(schema_editor):
        relabel(apps, FORMER, "tracking")
        return
    for name in MOVED[:-1]:
        schema_editor.create_model(apps.get_model("tracking", name))
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_POINTS:
            schema_editor.execute(statement)
    else:
        schema_editor.create_model(apps.get_model("tracking", "LocationPoint"))


def drop_tables(apps, schema_editor):
    if made_by_locations(schema_editor):
        relabel(apps, "tracking", FORMER)  # the tables stay: the locations history says they exist
        return
    for name in reversed(MOVED):
        schema_editor.delete_model(apps.get_model("tracking", name))


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
                    name='FieldSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('checkin_radius_m', models.PositiveIntegerField(default=200, help_text='A check-in farther than this from the client is flagged out_of_range.', validators=[django.core.validators.MinValueValidator(10), django.core.validators.MaxValueValidator(50000)])),
                        ('filter_invalid', models.BooleanField(default=True, help_text='Drop fixes outside ±90/±180.')),
                        ('filter_zero', models.BooleanField(default=True, help_text='Drop fixes at exactly (0, 0).')),
                        ('filter_duplicate', models.BooleanField(default=True, help_text="Drop a fix with the same device time as the agent's previous one.")),
                        ('filter_future_seconds', models.PositiveIntegerField(blank=True, default=300, help_text='Drop fixes recorded more than this ahead of the server clock (null: off).', null=True, validators=[django.core.validators.MaxValueValidator(86400)])),
                        ('filter_accuracy_m', models.PositiveIntegerField(blank=True, default=150, help_text='Drop fixes whose accuracy is worse than this (null: off).', null=True)),
                        ('filter_max_speed_kmh', models.PositiveIntegerField(blank=True, default=250, help_text='Drop a fix implying a faster move than this from the previous one (null: off).', null=True)),
                        ('idle_after_seconds', models.PositiveIntegerField(default=120, help_text='No fix for this long: online becomes idle.', validators=[django.core.validators.MinValueValidator(10)])),
                        ('offline_after_seconds', models.PositiveIntegerField(default=600, help_text='No fix and no socket activity for this long: offline.', validators=[django.core.validators.MinValueValidator(30)])),
                        ('live_interval_ms', models.PositiveIntegerField(default=0, help_text="Dashboards get an agent's position at most once per interval, faster fixes coalesced into its trail (0: with every batch; each event carries many agents anyway).", validators=[django.core.validators.MaxValueValidator(60000)])),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('tenant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='field_settings', to='core.organization')),
                    ],
                    options={
                        'db_table': 'locations_fieldsettings',
                    },
                ),
                migrations.CreateModel(
                    name='AgentState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recorded_at', models.DateTimeField(blank=True, help_text='Device time of the newest accepted fix.', null=True)),
                        ('lat', models.FloatField(blank=True, null=True)),
                        ('lon', models.FloatField(blank=True, null=True)),
                        ('accuracy', models.FloatField(blank=True, null=True)),
                        ('speed', models.FloatField(blank=True, null=True)),
                        ('heading', models.FloatField(blank=True, null=True)),
                        ('battery', models.SmallIntegerField(blank=True, null=True)),
                        ('newest_stored_at', models.DateTimeField(blank=True, help_text='Device time of the newest point stored, filtered or not.', null=True)),
                        ('last_fix_at', models.DateTimeField(blank=True, help_text='Server time a fix last arrived.', null=True)),
                        ('last_seen_at', models.DateTimeField(blank=True, help_text='Server time of the last socket activity.', null=True)),
                        ('presence', models.CharField(choices=[('online', 'Online'), ('idle', 'Idle'), ('offline', 'Offline')], default='offline', max_length=8)),
                        ('presence_since', models.DateTimeField(blank=True, null=True)),
                        ('points_accepted', models.BigIntegerField(default=0)),
                        ('points_filtered', models.JSONField(default=dict, help_text='Filtered points by reason.')),
                        ('held_trail', models.JSONField(default=list)),
                        ('fences', models.JSONField(db_default=models.Value({}, output_field=models.JSONField()), default=dict)),
                        ('fences_at', models.DateTimeField(blank=True, null=True)),
                        ('held_points', models.PositiveIntegerField(default=0)),
                        ('announced_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('agent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                    ],
                    options={
                        'db_table': 'locations_agentstate',
                        'indexes': [models.Index(fields=['presence', 'tenant'], name='locations_state_presence')],
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'agent'), name='locations_agentstate_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Device',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('token_hint', models.CharField(help_text="The token's last characters, to tell devices apart.", max_length=8)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('agent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                    ],
                    options={
                        'db_table': 'locations_device',
                        'ordering': ['-id'],
                        'indexes': [models.Index(fields=['tenant', 'agent', '-id'], name='locations_device_agent')],
                    },
                ),
                migrations.CreateModel(
                    name='LocationPoint',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('recorded_at', models.DateTimeField(help_text='Device time of the fix.')),
                        ('received_at', models.DateTimeField()),
                        ('lat', models.FloatField()),
                        ('lon', models.FloatField()),
                        ('accuracy', models.FloatField(blank=True, help_text='Metres.', null=True)),
                        ('speed', models.FloatField(blank=True, help_text='Metres per second, as reported.', null=True)),
                        ('heading', models.FloatField(blank=True, help_text='Degrees from north.', null=True)),
                        ('battery', models.SmallIntegerField(blank=True, help_text='Percent.', null=True)),
                        ('altitude', models.FloatField(blank=True, help_text='Metres.', null=True)),
                        ('client_id', models.CharField(blank=True, default='', help_text="The phone's id for the point.", max_length=64)),
                        ('filtered', models.CharField(blank=True, choices=[('invalid', 'Coordinates out of range'), ('zero', 'At (0, 0)'), ('duplicate', 'Same device time as the previous fix'), ('future', 'Recorded in the future'), ('accuracy', 'Accuracy too poor'), ('speed', 'Implausible speed')], default='', max_length=16)),
                        ('source', models.CharField(choices=[('live', 'WebSocket'), ('upload', 'REST batch upload'), ('osmand', 'OsmAnd / Traccar Client'), ('owntracks', 'OwnTracks')], max_length=12)),
                        ('attributes', models.JSONField(blank=True, help_text='What a tracker app sent besides the fix.', null=True)),
                        ('agent', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.organization')),
                    ],
                    options={
                        'db_table': 'locations_locationpoint',
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'agent', 'recorded_at', 'client_id'), name='locations_point_unique_fix')],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_tables, drop_tables),
    ]
