"""Tracking's tables came from the former locations app: on a database that app migrated, the
first migration takes them over as they are (their rows, and their content types relabelled);
on one it migrated only part of the way, it stops and says how to go on. (A new database gets
the tables made: every test run's database is one.)"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from domains.tracking.models import Device

initial = importlib.import_module("domains.tracking.migrations.0001_initial")
LOCATIONS = ["0001_initial", "0002_live_interval_default", "0003_trackers", "0004_geofences"]
pytestmark = pytest.mark.django_db


def locations_migrated(names: list[str]) -> SimpleNamespace:
    for name in names:
        MigrationRecorder(connection).record_applied("locations", name)
    return SimpleNamespace(connection=connection)  # all the migration asks of its schema editor


def test_a_database_the_locations_app_migrated_keeps_its_tables_and_their_content_types_follow():
    # given the former app's history, and its content type of the devices
    editor = locations_migrated(LOCATIONS)
    ContentType.objects.filter(app_label="tracking", model="device").update(app_label="locations")
    ContentType.objects.clear_cache()
    # when the first migration runs (making a table that exists would fail)
    initial.create_tables(apps, editor)
    # then the content type is tracking's, and the devices' table is still there
    assert ContentType.objects.filter(app_label="tracking", model="device").exists()
    assert not ContentType.objects.filter(app_label="locations").exists()
    assert Device.objects.count() == 0


def test_a_database_the_locations_app_migrated_part_of_the_way_is_refused():
    editor = locations_migrated(LOCATIONS[:2])
    with pytest.raises(RuntimeError, match="migrate with Oqim 6105911"):
        initial.create_tables(apps, editor)
