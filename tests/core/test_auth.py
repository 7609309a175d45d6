from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core import auth
from core.roles import Role
from realtime.models import OutboxEvent
from tests.factories import PASSWORD, bearer, member_factory, tenant_factory, user_factory

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"


def login(api, username, password=PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return api.post(LOGIN, {"username": username, "password": password, **extra}, format="json")


def test_login_returns_a_token_pair_for_the_only_membership(api, admin):
    # when
    response = login(api, admin.user.username)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == admin.tenant.slug and body["role"] == "admin"
    me = api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json()["tenant"]["slug"] == admin.tenant.slug
    assert "members.manage" in me.json()["capabilities"]


def test_wrong_password_is_401_with_a_code(api, admin):
    response = login(api, admin.user.username, "nope-nope-nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_user_of_several_tenants_must_choose_one(api, admin):
    # given
    other = tenant_factory()
    member_factory(tenant=other, user=admin.user, role=Role.VIEWER)
    # when
    ambiguous = login(api, admin.user.username)
    chosen = login(api, admin.user.username, tenant=other.slug)
    # then
    assert ambiguous.status_code == 400
    assert "tenant" in ambiguous.json()["error"]["fields"]
    assert chosen.status_code == 200 and chosen.json()["role"] == "viewer"


def test_login_without_membership_is_refused(api, db):
    user_factory(username="loner")
    response = login(api, "loner")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_membership"


def refresh(api, token: str, **extra):  # type: ignore[no-untyped-def]
    return api.post("/api/auth/refresh/", {"refresh": token}, format="json", **extra)


def test_refresh_rotates_and_a_replayed_token_ends_the_whole_session(api, admin, caplog):
    pair = login(api, admin.user.username).json()
    other_device = login(api, admin.user.username).json()  # another session of the same person
    # when: the thief rotates first, twice; then the owner's copy of the first token comes back
    stolen = refresh(api, pair["refresh"]).json()
    newest = refresh(api, stolen["refresh"]).json()
    replay = refresh(api, pair["refresh"], HTTP_ACCEPT_LANGUAGE="ru")
    # then
    assert newest["refresh"] not in (pair["refresh"], stolen["refresh"])
    assert replay.status_code == 401
    error = replay.json()["error"]
    assert error["code"] == "token_reused" and "сеанс" in error["message"]
    # the newest refresh token and every access token of the session are dead
    assert refresh(api, newest["refresh"]).status_code == 401
    for access in (pair["access"], stolen["access"], newest["access"]):
        answer = api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"
    # the person's other session is not touched
    assert api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {other_device['access']}").status_code == 200
    assert refresh(api, other_device["refresh"]).status_code == 200
    # audited: a security log line (no token in it) and the organization's event
    (line,) = [r for r in caplog.records if r.name == "oqim.security"]
    assert line.levelname == "WARNING" and line.refresh_tokens_revoked == 1
    assert pair["refresh"] not in line.getMessage() and not line.exc_info
    event = OutboxEvent.objects.get(type="member.session_revoked")
    assert event.tenant_id == admin.tenant_id and event.data["user_id"] == admin.user_id
    # a second replay changes nothing more
    refresh(api, pair["refresh"])
    assert OutboxEvent.objects.filter(type="member.session_revoked").count() == 1


@pytest.mark.parametrize("cache_lost", [False, True])
def test_a_logged_out_token_is_refused_without_crying_theft(api, admin, cache_lost):
    pair = login(api, admin.user.username).json()
    api.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json", **bearer(admin))
    if cache_lost:  # a restart of the embedded server, an evicted key: the database still knows
        cache.clear()
    answer = refresh(api, pair["refresh"])
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_invalid"
    assert not OutboxEvent.objects.filter(type="member.session_revoked").exists()


def test_two_refreshes_with_one_token_at_the_same_moment_end_the_session(api, admin, monkeypatch):
    pair = login(api, admin.user.username).json()
    checked = auth._live_session

    def while_another_request_rotates_it(raw):  # type: ignore[no-untyped-def]
        found = checked(raw)
        BlacklistedToken.objects.get_or_create(token=OutstandingToken.objects.get(jti=found[1]["jti"]))
        return found

    monkeypatch.setattr(auth, "_live_session", while_another_request_rotates_it)
    answer = refresh(api, pair["refresh"])
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_reused"
    assert api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401


def test_logout_revokes_refresh_and_the_sessions_access_tokens(api, admin):
    pair = login(api, admin.user.username).json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {pair['access']}"}
    # when
    out = api.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json", **headers)
    # then
    assert out.status_code == 204
    after = api.get("/api/me/", **headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "token_revoked"
    refresh = api.post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_logout_with_someone_elses_refresh_token_is_refused(api, admin):
    victim = member_factory(tenant=admin.tenant, role=Role.COOK)
    victim_pair = login(api, victim.user.username).json()
    response = api.post("/api/auth/logout/", {"refresh": victim_pair["refresh"]}, format="json", **bearer(admin))
    assert response.status_code == 401
    assert api.post("/api/auth/refresh/", {"refresh": victim_pair["refresh"]}, format="json").status_code == 200


def test_deactivated_member_loses_access_and_cannot_refresh(api, admin):
    cook = member_factory(tenant=admin.tenant, role=Role.COOK)
    pair = login(api, cook.user.username).json()
    # when
    assert api.delete(f"/api/members/{cook.pk}/", **bearer(admin)).status_code == 204
    # then
    tenant_call = api.get("/api/tenant/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert tenant_call.status_code == 403 and tenant_call.json()["error"]["code"] == "no_membership"
    assert api.post("/api/auth/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_garbage_and_expired_tokens_are_401(api, admin, settings):
    assert api.get("/api/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt").status_code == 401
    assert api.get("/api/me/").json()["error"]["code"] == "not_authenticated"


def test_login_is_throttled_per_address_and_username(api, admin, settings):
    for _ in range(10):
        login(api, admin.user.username, "wrong-password-x")
    # when
    blocked = login(api, admin.user.username)
    # then
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0
    # another username from the same address is still allowed
    other = member_factory(tenant=admin.tenant, role=Role.VIEWER)
    assert login(api, other.user.username).status_code == 200
