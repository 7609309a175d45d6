"""Tenant isolation, proven over every route of the OpenAPI schema.

Tenant A is filled with the demo data (every domain adds its own to the demo seed), tenant B is
a fresh organization whose admin then reads every list and detail route with A's ids.
"""

from __future__ import annotations

import re

import pytest

from core.demo import DEMO_SLUG, seed_demo
from core.models import Membership
from core.roles import Role
from tests.factories import bearer, member_factory, tenant_factory

pytestmark = pytest.mark.django_db
PARAM = re.compile(r"\{[^}]+\}")
# Not tenant data: the caller's own identity, the role catalogue and the API description.
GLOBAL_ROUTES = {"/api/me/", "/api/roles/", "/api/schema/", "/api/docs/"}
# A tracker app's device token names its organization (tests/tracking/test_trackers.py).
DEVICE_ROUTES = {"/api/trackers/osmand/"}


def all_pages(api, url, headers):  # type: ignore[no-untyped-def]
    rows = []
    while url:
        response = api.get(url, **headers)
        if response.status_code == 404 and response.json()["error"]["code"] == "not_configured":
            return rows  # a per-organization setting B never made (its 1C connection): nothing to see
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        if isinstance(body, dict) and "results" in body:
            rows += body["results"]
            url = body["next"]
        else:
            rows += body if isinstance(body, list) else [body]
            url = None
    return rows


def test_no_route_of_the_schema_leaks_tenant_a_to_tenant_b(api, openapi_schema):
    # given: tenant A with demo data, tenant B with its own admin
    seed_demo()
    admin_a = Membership.objects.get(tenant__slug=DEMO_SLUG, role=Role.ADMIN)
    tenant_b = tenant_factory()
    admin_b = member_factory(tenant=tenant_b)
    paths = openapi_schema["paths"]
    list_routes = [
        p for p, ops in paths.items() if "get" in ops and not PARAM.search(p) and p not in GLOBAL_ROUTES | DEVICE_ROUTES
    ]
    detail_routes = [p for p, ops in paths.items() if "get" in ops and PARAM.search(p)]
    assert "/api/members/" in list_routes and "/api/members/{id}/" in detail_routes

    covered = set()
    for route in list_routes:
        # when
        seen_by_a = all_pages(api, route, bearer(admin_a))
        seen_by_b = all_pages(api, route, bearer(admin_b))
        # then: B sees none of A's rows, and the route does show A its own
        ids_a = {row.get("id") for row in seen_by_a if isinstance(row, dict)}
        ids_b = {row.get("id") for row in seen_by_b if isinstance(row, dict)}
        assert seen_by_a, f"{route} returned nothing for tenant A; the demo seed should cover it"
        assert not (ids_a - {None}) & ids_b, f"{route} leaks tenant A rows to tenant B"

        # the row's own route and its sub-routes (an order's timeline): /route/{id}/ and /route/{id}/<name>/
        own = re.compile(re.escape(route) + r"\{[^}]+\}/(\w+/)?$")
        details = [d for d in detail_routes if own.match(d)]
        covered.update(details)
        for detail, row in ((d, r) for d in details for r in seen_by_a):
            url = PARAM.sub(str(row["id"]), detail)
            assert api.get(url, **bearer(admin_a)).status_code == 200, url
            answer = api.get(url, **bearer(admin_b))
            assert answer.status_code == 404, f"{url} answered {answer.status_code} to tenant B"
            for method in ("patch", "delete"):
                if method in paths[detail]:
                    write = getattr(api, method)(url, {}, format="json", **bearer(admin_b))
                    assert write.status_code == 404, f"{method.upper()} {url} answered {write.status_code}"
    uncovered = set(detail_routes) - covered
    assert not uncovered, f"detail routes without a list to take ids from: {uncovered}"
