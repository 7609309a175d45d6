"""The console's login session over HTTP: cookie flags, CSRF, logout, page guards, headers."""

from __future__ import annotations

import pytest
from django.test import Client

from core.console.pages import PAGES
from core.roles import Role
from tests.factories import member_factory, tenant_factory, user_factory

PASSWORD = "a-long-test-password"


@pytest.fixture
def member(db):  # type: ignore[no-untyped-def]
    def make(role: str = Role.MANAGER):  # type: ignore[no-untyped-def]
        user = user_factory()
        user.set_password(PASSWORD)
        user.save()
        return member_factory(tenant=tenant_factory(), role=role, user=user)

    return make


def signed_in(membership, **client_options) -> Client:  # type: ignore[no-untyped-def]
    client = Client(**client_options)
    form = {"username": membership.user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_of(client)}
    response = client.post("/console/login/", form)
    assert response.status_code == 302, response.content
    return client


def csrf_of(client: Client) -> str:
    client.get("/console/login/")
    return client.cookies["csrftoken"].value


def test_login_sets_an_httponly_samesite_cookie_and_lands_on_the_roles_page(member):
    cook = member(Role.COOK)
    client = Client()
    response = client.post("/console/login/", {"username": cook.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/console/kitchen/"
    cookie = response.cookies["oqim_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie.value.count(".") == 2  # the refresh token, not readable by scripts


def test_a_wrong_password_gets_the_form_again_and_no_cookie(member):
    cook = member(Role.COOK)
    response = Client().post("/console/login/", {"username": cook.user.username, "password": "nope"})
    assert response.status_code == 400
    assert "oqim_session" not in response.cookies
    assert b"Wrong username or password." in response.content


def test_next_must_stay_on_this_site(member):
    manager = member()
    client = Client()
    login = {"username": manager.user.username, "password": PASSWORD}
    response = client.post("/console/login/", {**login, "next": "https://evil.example/"})
    assert response["Location"] == "/console/kitchen/"
    response = client.post("/console/login/", {**login, "next": "/console/map/"})
    assert response["Location"] == "/console/map/"


def test_the_access_token_needs_the_cookie_and_csrf(member):
    manager = member()
    client = signed_in(manager, enforce_csrf_checks=True)
    assert client.post("/console/session/").status_code == 403  # no CSRF token
    response = client.post("/console/session/", HTTP_X_CSRFTOKEN=csrf_of(client))
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "manager" and "kitchen.view" in body["capabilities"]
    me = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200 and me.json()["username"] == manager.user.username
    assert Client(enforce_csrf_checks=True).post("/console/session/").status_code == 403


def test_logout_ends_the_session_for_every_tab(member):
    manager = member()
    client = signed_in(manager)
    access = client.post("/console/session/").json()["access"]
    other_tab = client.post("/console/session/").json()["access"]
    response = client.post("/console/logout/")
    assert response.status_code == 302 and response.cookies["oqim_session"].value == ""
    for token in (access, other_tab):
        assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    client.cookies["oqim_session"] = response.wsgi_request.COOKIES["oqim_session"]  # a copied cookie
    assert client.post("/console/session/").json()["code"] == "session_ended"


def test_a_role_change_takes_effect_on_the_next_page_and_token(member):
    manager = member()
    client = signed_in(manager)
    assert client.get("/console/map/").status_code == 200
    manager.role = Role.COOK
    manager.save()
    assert client.get("/console/map/").status_code == 403
    assert client.post("/console/session/").json()["role"] == "cook"


def test_pages_are_guarded_by_capability(member):
    cook = signed_in(member(Role.COOK))
    assert cook.get("/console/kitchen/").status_code == 200
    for slug in ("map", "till", "operator", "alarms", "operations", "shop-reports"):
        response = cook.get(f"/console/{slug}/")
        assert response.status_code == 403, slug
        assert b'type="module"' not in response.content  # the page's script is not even sent
    assert Client().get("/console/kitchen/")["Location"] == "/console/login/?next=/console/kitchen/"
    assert cook.get("/console/nothing/").status_code == 404


def test_every_page_renders_for_an_admin_with_a_strict_policy(member):
    admin = signed_in(member(Role.ADMIN))
    for page in PAGES.values():
        response = admin.get(f"/console/{page.slug}/")
        assert response.status_code == 200, page.slug
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response["Cache-Control"] == "no-store"
        assert f"/static/{page.script}".encode() in response.content
        assert b"<script>" not in response.content  # no inline script anywhere


def test_home_sends_each_role_to_its_page(member):
    for role, slug in ((Role.COOK, "kitchen"), (Role.CASHIER, "till"), (Role.AGENT, "agent"), (Role.CUSTOMER, "order")):
        assert signed_in(member(role)).get("/")["Location"] == f"/console/{slug}/"
    assert Client().get("/")["Location"] == "/console/login/"


def test_languages_come_from_the_browser_and_the_switch(member):
    page = Client().get("/console/login/", HTTP_ACCEPT_LANGUAGE="ru")
    assert '<html lang="ru">' in page.content.decode() and "Войти" in page.content.decode()
    catalog = Client().get("/console/jsi18n/", HTTP_ACCEPT_LANGUAGE="uz")
    assert "Berish" in catalog.content.decode()  # "Serve"
    client = Client()
    client.post("/i18n/setlang/", {"language": "uz", "next": "/console/login/"})
    assert "Kirish" in client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_a_members_own_language_opens_their_pages_on_any_device_until_the_device_chooses(member):
    cook = member(Role.COOK)
    cook.language = "ru"
    cook.save()
    client = signed_in(cook)
    page = client.get("/console/kitchen/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ru">' in page.content.decode() and page["Content-Language"] == "ru"
    # The member's choice becomes this device's, so the script catalog and the API agree with the page.
    assert page.cookies["django_language"].value == "ru"
    catalog = client.get("/console/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert catalog["Content-Language"] == "ru" and "Выдать".encode("unicode_escape") in catalog.content  # "Serve"
    # A choice made on this device (the bar's switch) wins over the member's.
    client.cookies["django_language"] = "uz"
    assert '<html lang="uz">' in client.get("/console/kitchen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Without a choice of their own, the browser's language decides, and no cookie is set.
    cook.language = ""
    cook.save()
    fresh = signed_in(cook)
    plain = fresh.get("/console/kitchen/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in plain.content.decode() and "django_language" not in plain.cookies
