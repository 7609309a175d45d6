from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from core import health
from tests.net import free_port

pytestmark = pytest.mark.django_db


def test_health_is_unauthenticated_and_touches_nothing(api, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_reports_each_dependency(api):
    response = api.get("/ready/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_ready_is_503_naming_the_database_when_it_fails(api, monkeypatch):
    def broken() -> str:
        raise ConnectionError("database is gone")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = api.get("/ready/")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready" and "database" in error["message"]
    assert error["checks"]["database"].startswith("error")


def wait_until_ready(api) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        if api.get("/ready/").status_code == 200:
            return
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_ready_names_redis_while_a_real_redis_is_down_and_recovers(api, settings):
    # given: a private Redis this test may stop and start
    port = free_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_until_ready(api)
        assert api.get("/ready/").json()["checks"]["redis"] == "ok"
        # when: Redis stops
        server.terminate()
        server.wait(5)
        down = api.get("/ready/")
        # then
        assert down.status_code == 503
        assert "redis" in down.json()["error"]["message"]
        # when: it is back
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until_ready(api)
        assert api.get("/ready/").status_code == 200
    finally:
        server.terminate()
        server.wait(5)


def test_probes_stay_out_of_the_access_log(api, caplog):
    with caplog.at_level("INFO", logger="oqim.access"):
        api.get("/health/")
        api.get("/ready/")
        api.get("/api/roles/")
    paths = [getattr(r, "path", None) for r in caplog.records if r.name == "oqim.access"]
    assert paths == ["/api/roles/"]
