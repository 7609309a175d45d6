"""What one serve and one sale cost over HTTP, counted: SQL statements (BEGIN and COMMIT
included) and Redis round trips, for a signed-in caller's second request (the first remembers
their membership). These fail the day a write path grows (issue 34; docs/benchmarks.md).

A write does its own work once: no read-back of what it just wrote, no idempotency lookup
before the insert that settles it, no follower lookups inside the transaction, the outbox rows
marked published off the request, the membership and the session's logout mark in one cache
round trip, the stream append in one pipeline without ``SCRIPT EXISTS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import membership_cache
from core.roles import Role
from domains.shops.models import BranchRole
from realtime.models import OutboxEvent
from tests.conftest import SERVICES
from tests.factories import bearer, member_factory, shop_product, stock_up
from tests.kitchen.test_serving import kitchen  # noqa: F401  (a fixture)
from tests.shops.conftest import assign, shops  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# PostgreSQL. SQLite (the embedded mode) marks the outbox rows published in the request (one
# writer at a time) and sums the day's sales in a statement of its own.
SERVE_STATEMENTS = 9 if SERVICES else 10
SALE_STATEMENTS = 12 if SERVICES else 14
REDIS_ROUND_TRIPS = 2  # the membership with the logout mark; the events' append


@contextmanager
def counted() -> Iterator[tuple[CaptureQueriesContext, list[bytes]]]:
    """The SQL this thread sends and the Redis round trips (one per send: a pipeline is one)."""
    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send(self, command, check_health=True):  # type: ignore[no-untyped-def]
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    try:
        with CaptureQueriesContext(connection) as queries:
            yield queries, sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def test_a_serve_over_http_is_nine_statements_and_two_redis_round_trips(api, tenant, kitchen):  # noqa: F811
    _rice, _carrot, plov = kitchen
    cook = member_factory(tenant=tenant, role=Role.COOK)
    headers = bearer(cook)
    url = f"/api/kitchen/meals/{plov.pk}/serve/"
    assert api.post(url, {"portions": 1}, format="json", HTTP_IDEMPOTENCY_KEY="first", **headers).status_code == 201
    with counted() as (queries, sent):
        answer = api.post(url, {"portions": 1}, format="json", HTTP_IDEMPOTENCY_KEY="second", **headers)
    assert answer.status_code == 201, answer.json()
    # the answer is what was written, not read back
    assert [(d["product_name"], d["balance_after"]) for d in answer.json()["deducted"]] == [
        ("Rice", "800.000"),
        ("Carrot", "20.000"),
    ]
    sql = statements(queries)
    assert len(sql) == SERVE_STATEMENTS, "\n".join(sql)
    if SERVICES:
        assert not any('"published_at" =' in s or "published_at =" in s for s in sql)  # marked off the request
    if SERVICES:
        assert len(sent) == REDIS_ROUND_TRIPS, sent
        assert not any(b"SCRIPT" in command for command in sent)


def test_a_sale_of_two_lines_over_http_is_twelve_statements(api, tenant, shops):  # noqa: F811
    s = shops
    headers = bearer(s["cashier"])

    def sell(key: str, *products) -> dict:  # type: ignore[no-untyped-def]
        lines = [{"product": p.pk, "quantity": "1"} for p in products]
        body = {"branch": s["north"].pk, "payment_method": "cash", "lines": lines}
        answer = api.post("/api/shops/sales/", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)
        assert answer.status_code == 201, answer.json()
        return answer.json()

    soda = shop_product(tenant=tenant, name="Soda", price="1.00", cost="0.50")
    stock_up(soda, 5, actor=s["cashier"].user, branch=s["north"])
    sell("first", s["soap"], soda)  # 2.50 + 1.00
    with counted() as (queries, sent):
        sale = sell("second", s["soap"], s["tea"])  # 2.50 + 4.00
    sql = statements(queries)
    assert len(sql) == SALE_STATEMENTS, "\n".join(sql)
    assert sum('FROM "stock_product"' in q for q in sql) == 1  # both lines' products in one query
    if SERVICES:
        assert len(sent) == REDIS_ROUND_TRIPS, sent
    # the day's revenue in the event counts both sales, the rows this sale touched and the one it did not
    recorded = OutboxEvent.objects.get(type="sale.recorded", data__sale_id=sale["id"])
    assert recorded.data["branch_day_revenue"] == "10.00"
    # with more lines, still one product query and one statement per table
    many = [shop_product(tenant=tenant, name=f"Item {n}", price="1.00", cost="0.10") for n in range(6)]
    for product in many:
        stock_up(product, 3, actor=s["cashier"].user, branch=s["north"])
    with counted() as (queries, _sent):
        sell("third", *many)
    assert len(statements(queries)) == SALE_STATEMENTS


def test_the_remembered_membership_never_outlives_a_change(api, tenant, shops):  # noqa: F811
    s = shops
    cashier = s["cashier"]
    headers = bearer(cashier)
    assert api.get("/api/shops/sales/", **headers).status_code == 200  # remembered from here on
    with counted() as (queries, _sent):
        assert api.get("/api/shops/sales/", **headers).status_code == 200
    assert not any('FROM "core_membership"' in q for q in statements(queries))
    # a role change takes effect on the next request
    cashier.role = Role.VIEWER
    cashier.save()
    body = {"branch": s["north"].pk, "payment_method": "cash", "lines": [{"product": s["soap"].pk, "quantity": "1"}]}
    assert api.post("/api/shops/sales/", body, format="json", **headers).status_code == 403
    # and so do the end of the membership and a deactivated account
    cashier.mark_deleted()
    cashier.save()
    assert api.get("/api/shops/sales/", **headers).status_code == 403
    other = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(other, s["north"], BranchRole.CASHIER)
    other_headers = bearer(other)
    assert api.get("/api/shops/sales/", **other_headers).status_code == 200
    other.user.is_active = False
    other.user.save()
    answer = api.get("/api/shops/sales/", **other_headers)
    assert answer.status_code == 401, answer.json()


def test_an_organization_change_is_seen_at_once_whatever_its_number_of_members(api, tenant, admin):
    headers = bearer(admin)
    assert api.get("/api/tenant/", **headers).json()["timezone"] == "UTC"  # remembered from here on
    for _ in range(30):
        member_factory(tenant=tenant, role=Role.VIEWER)
    with counted() as (queries, _sent):
        answer = api.patch("/api/tenant/", {"timezone": "Asia/Tashkent"}, format="json", **headers)
    assert answer.status_code == 200, answer.json()
    # the members' entries stay; the organization's one entry is dropped, with no query for them
    assert not any('FROM "core_membership"' in q for q in statements(queries))
    assert api.get("/api/tenant/", **headers).json()["timezone"] == "Asia/Tashkent"


def test_a_membership_read_before_a_change_and_remembered_after_it_is_never_used(tenant):
    cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    entries = [membership_cache.key(cashier.user_id, tenant.pk), membership_cache.organization_key(tenant.pk)]
    # a request reads the generations and the row: the cashier as they are now
    _found, before = membership_cache.lookup([], user_id=cashier.user_id, tenant_id=tenant.pk)
    racing = cache.get_many([f"{entry}:generation" for entry in entries])
    # the role changes and commits before that request stores what it read
    cashier.role = Role.VIEWER
    cashier.save()
    membership_cache._remember(racing, dict(zip(entries, [before, before.tenant], strict=True)))
    # the next request does not use it
    _found, after = membership_cache.lookup([], user_id=cashier.user_id, tenant_id=tenant.pk)
    assert after.role == Role.VIEWER
