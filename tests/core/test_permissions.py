from __future__ import annotations

from pathlib import Path

import pytest

from core.models import Membership
from core.roles import CAPABILITIES, Role, has_capability, permission_matrix_markdown
from tests.factories import bearer, member_factory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "tenant_get", "tenant_patch", "members_list"),
    [
        (Role.ADMIN, 200, 200, 200),
        (Role.MANAGER, 200, 403, 200),
        (Role.COOK, 200, 403, 403),
        (Role.CASHIER, 200, 403, 403),
        (Role.AGENT, 200, 403, 403),
        (Role.VIEWER, 200, 403, 403),
        (Role.CUSTOMER, 403, 403, 403),
    ],
)
def test_endpoints_follow_the_matrix(api, tenant, role, tenant_get, tenant_patch, members_list):
    headers = bearer(member_factory(tenant=tenant, role=role))
    assert api.get("/api/tenant/", **headers).status_code == tenant_get
    assert api.patch("/api/tenant/", {"name": "X"}, format="json", **headers).status_code == tenant_patch
    assert api.get("/api/members/", **headers).status_code == members_list


def test_an_unknown_role_grants_nothing(api, tenant):
    member = member_factory(tenant=tenant, role=Role.VIEWER)
    Membership.objects.filter(pk=member.pk).update(role="superhero")  # e.g. a role removed in a later release
    response = api.get("/api/tenant/", **bearer(member))
    assert response.status_code == 403
    assert not any(has_capability("superhero", cap) for cap in CAPABILITIES)


def test_refusals_say_which_capability_is_missing(api, tenant):
    response = api.get("/api/members/", **bearer(member_factory(tenant=tenant, role=Role.COOK)))
    assert response.json()["error"]["code"] == "permission_denied"
    assert "members.view" in response.json()["error"]["message"]


def test_docs_carry_the_matrix_the_code_enforces():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    assert permission_matrix_markdown(skip="tests.") in docs
