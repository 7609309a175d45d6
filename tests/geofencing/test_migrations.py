"""Geofencing's table came from the former locations app: on a database that app migrated, the
first migration takes it over as it is; on one it migrated only part of the way, it stops."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from domains.geofencing.models import Geofence

initial = importlib.import_module("domains.geofencing.migrations.0001_initial")
LOCATIONS = ["0001_initial", "0002_live_interval_default", "0003_trackers", "0004_geofences"]
pytestmark = pytest.mark.django_db


def locations_migrated(names: list[str]) -> SimpleNamespace:
    for name in names:
        MigrationRecorder(connection).record_applied("locations", name)
    return SimpleNamespace(connection=connection)  # all the migration asks of its schema editor


def test_a_database_the_locations_app_migrated_keeps_its_geofences():
    # given the former app's history, and its content type of the geofences
    editor = locations_migrated(LOCATIONS)
    ContentType.objects.filter(app_label="geofencing", model="geofence").update(app_label="locations")
    ContentType.objects.clear_cache()
    # when the first migration runs (making a table that exists would fail)
    initial.create_tables(apps, editor)
    # then the content type is geofencing's, and the table is still there
    assert ContentType.objects.get(model="geofence").app_label == "geofencing"
    assert Geofence.objects.count() == 0


def test_a_database_the_locations_app_migrated_part_of_the_way_is_refused():
    editor = locations_migrated(LOCATIONS[:3])
    with pytest.raises(RuntimeError, match="migrate with Oqim 6105911"):
        initial.create_tables(apps, editor)
