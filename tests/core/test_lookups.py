"""Lookups by a unique key cost an index probe, whatever the table holds."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.idempotency import once
from domains.kitchen.models import Serving
from tests.factories import meal_factory, member_factory, product_factory

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_a_repeated_idempotency_key_is_one_index_probe_in_a_full_table(tenant):
    # given 60,000 servings written since the planner last looked (autovacuum has not run)
    cook = member_factory(tenant=tenant, role="cook").user
    meal = meal_factory(tenant=tenant, recipe={product_factory(tenant=tenant): 1})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Serving._meta.db_table} (tenant_id, meal_id, portions, served_by_id, served_at,"
            " idempotency_key) SELECT %s, %s, 1, %s, now(), 'key-' || n FROM generate_series(1, 60000) AS n",
            [tenant.pk, meal.pk, cook.pk],
        )

    def refused() -> Serving:
        with transaction.atomic():
            raise IntegrityError("duplicate key value violates unique constraint")

    # when a new key is used, nothing is looked up: the insert's unique index decides
    with CaptureQueriesContext(connection) as queries:
        assert once(Serving, tenant_id=tenant.pk, key="a-new-key", create=lambda: "created") == ("created", True)
    assert queries.captured_queries == []
    # and when a repeat's insert is refused, the first row is found
    with CaptureQueriesContext(connection) as queries:
        row, created = once(Serving, tenant_id=tenant.pk, key="key-777", create=refused)
    assert (row.idempotency_key, created) == ("key-777", False)
    (lookup,) = [q["sql"] for q in queries.captured_queries if "key-777" in q["sql"]]
    # then the plan probes the unique index and nothing orders the rows: no way for the
    # planner to prefer walking the primary key through the table instead
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "kitchen_serving_unique_key" in plan and "Sort" not in plan and "ORDER BY" not in lookup, plan
