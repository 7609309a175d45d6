from __future__ import annotations

import os

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import member_factory, tenant_factory

# The browser tests' fixtures (one Chromium and one demo server per run, whichever tests use them).
pytest_plugins = ["tests.browsers"]

SERVICES = bool(os.environ.get("REDIS_URL")) and os.environ.get("DATABASE_URL", "").startswith("postgres")


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    skip = pytest.mark.skip(reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the services run of make test)")
    for item in items:
        if "services" in item.keywords and not SERVICES:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and revoked sessions live in the cache; tests must not see each other's.
    # So do the geofence indexes each process keeps (test databases reuse tenant ids).
    from domains.geofencing import fence_cache

    cache.clear()
    fence_cache._indexes.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Uploads (expense receipts, the demo's too) go to the test's own directory, not var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def tenant(db):  # type: ignore[no-untyped-def]
    return tenant_factory()


@pytest.fixture
def admin(tenant):  # type: ignore[no-untyped-def]
    return member_factory(tenant=tenant)


@pytest.fixture(scope="session")
def openapi_schema(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    """The OpenAPI schema as the code generates it now (validated), built once per run."""
    out = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--file", str(out), "--validate")
    return yaml.safe_load(out.read_text())


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    """A real Dramatiq worker on this run's broker (in-memory, or Redis in the services run)."""
    import dramatiq

    from workers.broker import broker

    running = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    running.start()
    yield running
    running.stop()
