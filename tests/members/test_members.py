from __future__ import annotations

import pytest

from core.models import Membership
from core.roles import Role
from tests.factories import bearer, member_factory

pytestmark = pytest.mark.django_db


def test_admin_creates_a_member_with_a_validated_password(api, admin):
    # when
    weak = api.post(
        "/api/members/", {"username": "newcook", "password": "12345678", "role": "cook"}, format="json", **bearer(admin)
    )
    ok = api.post(
        "/api/members/",
        {"username": "newcook", "password": "a-much-better-pass-42", "role": "cook"},
        format="json",
        **bearer(admin),
    )
    # then
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    assert ok.status_code == 201 and ok.json()["role"] == "cook"
    assert "password" not in ok.json()


def test_role_change_applies_to_the_next_request(api, admin):
    viewer = member_factory(tenant=admin.tenant, role=Role.VIEWER)
    headers = bearer(viewer)
    assert api.get("/api/members/", **headers).status_code == 403
    # when
    changed = api.patch(f"/api/members/{viewer.pk}/", {"role": "manager"}, format="json", **bearer(admin))
    # then
    assert changed.status_code == 200
    assert api.get("/api/members/", **headers).status_code == 200


def test_the_last_admin_cannot_be_demoted_or_removed(api, admin):
    demote = api.patch(f"/api/members/{admin.pk}/", {"role": "viewer"}, format="json", **bearer(admin))
    remove = api.delete(f"/api/members/{admin.pk}/", **bearer(admin))
    assert demote.status_code == 400 and demote.json()["error"]["fields"]["role"][0]["code"] == "last_admin"
    assert remove.status_code == 400
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_deactivation_is_a_soft_delete_listed_on_request(api, admin):
    cook = member_factory(tenant=admin.tenant, role=Role.COOK)
    api.delete(f"/api/members/{cook.pk}/", **bearer(admin))
    # then
    live = [m["id"] for m in api.get("/api/members/", **bearer(admin)).json()["results"]]
    everyone = api.get("/api/members/?include_inactive=true", **bearer(admin)).json()["results"]
    assert cook.pk not in live
    assert {"id": cook.pk, "is_active": False}.items() <= next(m for m in everyone if m["id"] == cook.pk).items()
    assert Membership.all_objects.filter(pk=cook.pk).exists()


def test_members_list_is_cursor_paginated_capped_and_filterable(api, admin):
    for _ in range(5):
        member_factory(tenant=admin.tenant, role=Role.COOK)
    member_factory(tenant=admin.tenant, role=Role.AGENT)
    # when
    first = api.get("/api/members/?page_size=2", **bearer(admin)).json()
    second = api.get(first["next"], **bearer(admin)).json()
    cooks = api.get("/api/members/?role=cook&page_size=1000", **bearer(admin)).json()
    huge = api.get("/api/members/?page_size=100000", **bearer(admin)).json()
    # then
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {m["id"] for m in first["results"]} & {m["id"] for m in second["results"]}
    assert len(cooks["results"]) == 5 and {m["role"] for m in cooks["results"]} == {"cook"}
    assert len(huge["results"]) == 7


def test_member_search_finds_by_username(api, admin):
    target = member_factory(tenant=admin.tenant, role=Role.CASHIER)
    found = api.get(f"/api/members/?search={target.user.username}", **bearer(admin)).json()["results"]
    assert [m["id"] for m in found] == [target.pk]


def test_tenant_admin_updates_the_profile_with_a_real_time_zone(api, admin):
    bad = api.patch("/api/tenant/", {"timezone": "Mars/Olympus"}, format="json", **bearer(admin))
    good = api.patch("/api/tenant/", {"timezone": "Asia/Tashkent"}, format="json", **bearer(admin))
    assert bad.status_code == 400 and "timezone" in bad.json()["error"]["fields"]
    assert good.status_code == 200 and good.json()["timezone"] == "Asia/Tashkent"
