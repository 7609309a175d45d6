"""PostgreSQL backends terminated under load: no HTTP 500, a 503 with Retry-After at worst,
and a write that answered 503 either did not commit or is returned by its replay."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from core.auth import issue_tokens
from domains.kitchen.models import Serving
from tests.factories import meal_factory, member_factory, product_factory, stock_up, tenant_factory
from tests.realtime.conftest import database_url, server_factory  # noqa: F401

APP = "oqim-loss-test"


def request(base: str, method: str, path: str, token: str, body: dict | None = None, key: str | None = None):  # type: ignore[no-untyped-def]
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


@pytest.mark.django_db(transaction=True)
def test_terminated_backends_under_load_give_no_500(server_factory):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("terminates PostgreSQL backends (the services run of make test)")
    server = server_factory(name="loss", DATABASE_URL=f"{database_url()}?application_name={APP}", DB_POOL_MIN="4")
    tenant = tenant_factory()
    admin = member_factory(tenant=tenant)
    rice = product_factory(tenant=tenant, name="Rice")
    stock_up(rice, 1_000_000, actor=admin.user)
    meal = meal_factory(tenant=tenant, name="Plov", recipe={rice: 1})
    access = issue_tokens(membership=admin).access_token
    access.set_exp(lifetime=timedelta(minutes=10))
    token = str(access)

    statuses: Counter[int] = Counter()
    missing_retry_after: list[int] = []
    keys_done: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def note(status: int, headers: dict) -> None:
        with lock:
            statuses[status] += 1
            if status == 503 and "Retry-After" not in headers:
                missing_retry_after.append(status)

    def reader() -> None:
        while not stop.is_set():
            status, headers, _ = request(server.base, "GET", "/api/members/?page_size=20", token)
            note(status, headers)

    def writer() -> None:
        while not stop.is_set():
            key = uuid.uuid4().hex
            for _ in range(20):  # replay with the same key until it settles
                status, headers, _ = request(
                    server.base, "POST", f"/api/kitchen/meals/{meal.pk}/serve/", token, {"portions": 1}, key
                )
                note(status, headers)
                if status != 503:
                    break
                time.sleep(0.05)
            assert status in (200, 201), status
            with lock:
                keys_done.append(key)

    threads = [threading.Thread(target=reader) for _ in range(3)] + [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    terminated = 0
    with psycopg.connect(database_url(), autocommit=True) as admin_connection:
        for _ in range(6):
            time.sleep(0.7)
            rows = admin_connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [APP]
            ).fetchall()
            terminated += len(rows)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(60)

    assert terminated >= 6, "the test did not terminate the server's connections"
    assert statuses[500] == 0, statuses
    assert not missing_retry_after
    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses[200] + statuses[201] > 50, statuses
    # Every key that settled is one serving, once: nothing half-written, nothing doubled.
    servings = Counter(Serving.objects.filter(tenant=tenant).values_list("idempotency_key", flat=True))
    assert set(servings) == set(keys_done) and set(servings.values()) == {1}
