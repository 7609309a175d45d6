# ruff: noqa: RUF001 (Uzbek and Russian words, as the admin reads them)
"""The 1C connection over REST: admins only, the password never comes back, a test per URL,
an exchange on demand through the worker, the journal."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from core.roles import Role
from domains.catalog.models import CatalogProduct
from domains.onec.models import Connection, Exchange
from tests.factories import bearer, member_factory

pytestmark = pytest.mark.django_db(transaction=True)


def put(api, admin, **values):  # type: ignore[no-untyped-def]
    return api.put("/api/onec/connection/", values, format="json", **bearer(admin))


def test_an_admin_connects_1c_and_the_password_is_never_shown(api, admin, onec):
    assert api.get("/api/onec/connection/", **bearer(admin)).json()["error"]["code"] == "not_configured"
    response = put(
        api, admin, wsdl_url=onec.primary_url, failover_url=onec.failover_url, username="exchange", password="s3cret-1c"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_password"] is True and "password" not in body and "s3cret-1c" not in response.content.decode()
    assert body["applied_message"] == 0 and body["enabled"] is True
    # Leaving the password out keeps it; an empty one clears it.
    assert put(api, admin, wsdl_url=onec.primary_url, username="exchange").json()["has_password"] is True
    assert put(api, admin, wsdl_url=onec.primary_url, password="").json()["has_password"] is False


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"wsdl_url": "not a url"}, "wsdl_url"),
        ({}, "wsdl_url"),
        ({"wsdl_url": "http://1c.test/ws?wsdl", "timeout_seconds": 0}, "timeout_seconds"),
        ({"wsdl_url": "http://1c.test/ws?wsdl", "page_size": 100000}, "page_size"),
        ({"wsdl_url": "http://1c.test/ws?wsdl", "failover_url": "http://1c.test/ws?wsdl"}, "failover_url"),
        ({"wsdl_url": "http://1c.test/ws?wsdl", "node": "no spaces please"}, "node"),
        ({"wsdl_url": "http://1c.test/ws?wsdl", "applied_message": 99}, "applied_message"),
    ],
)
def test_bad_settings_get_a_400_naming_the_field(api, admin, values, field):
    response = put(api, admin, **values)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Connection.objects.exists()


def test_only_admins(api, tenant, connection):
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    for method, url in (
        ("get", "/api/onec/connection/"),
        ("post", "/api/onec/connection/test/"),
        ("post", "/api/onec/connection/exchange/"),
        ("get", "/api/onec/exchanges/"),
    ):
        assert getattr(api, method)(url, **bearer(manager)).status_code == 403


def test_the_connection_test_reports_each_url(api, admin, onec, connection):
    # switched off, so no scheduled exchange can touch the simulator meanwhile; a test works anyway
    connection.enabled = False
    connection.save()
    onec.failover.down = True
    results = api.post("/api/onec/connection/test/", **bearer(admin)).json()["results"]
    assert results == {onec.primary_url: "ok: Oqim 1C simulator", onec.failover_url: "HTTP 503"}
    onec.primary.down = True
    results = api.post("/api/onec/connection/test/", HTTP_ACCEPT_LANGUAGE="ru", **bearer(admin)).json()["results"]
    # Oqim's own words in the reader's language; what the other side said as it said it
    assert results == {onec.primary_url: "HTTP 503", onec.failover_url: "HTTP 503"}
    connection.wsdl_url = "http://127.0.0.1:9/ws?wsdl"  # nothing listens on the discard port
    connection.save()
    results = api.post("/api/onec/connection/test/", HTTP_ACCEPT_LANGUAGE="uz", **bearer(admin)).json()["results"]
    assert results[connection.wsdl_url] == "ulanib boʻlmadi (ConnectionError)"
    assert onec.base.state()["messages"] == 0  # nothing was exchanged


def test_an_exchange_on_demand_runs_in_the_worker_and_lands_in_the_journal(api, admin, onec, connection, worker):
    assert api.post("/api/onec/connection/exchange/", {"full": True}, format="json", **bearer(admin)).status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Exchange.objects.exclude(status="running").exists():
        time.sleep(0.1)
    journal = api.get("/api/onec/exchanges/", **bearer(admin)).json()["results"]
    assert [(row["trigger"], row["status"]) for row in journal] == [("full", "succeeded")]
    assert CatalogProduct.objects.count() == 40
    one = api.get(f"/api/onec/exchanges/{journal[0]['id']}/", **bearer(admin)).json()
    assert one["messages"] == journal[0]["messages"] > 0 and one["url_used"] == onec.primary_url


def test_exchange_now_runs_with_the_schedule_off(api, admin, onec, connection, worker):
    connection.enabled = False  # the schedule's switch: a person's request still runs
    connection.save()
    assert api.post("/api/onec/connection/exchange/", {}, format="json", **bearer(admin)).status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Exchange.objects.exclude(status="running").exists():
        time.sleep(0.1)
    assert list(Exchange.objects.values_list("trigger", "status")) == [("manual", "succeeded")]


def test_exchange_now_while_one_runs_says_so(api, admin, tenant, connection):
    running = Exchange.objects.create(tenant=tenant, trigger="schedule", started_at=timezone.now())
    answer = api.post("/api/onec/connection/exchange/", {}, format="json", HTTP_ACCEPT_LANGUAGE="ru", **bearer(admin))
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "exchange_running" and error["exchange"] == running.pk
    assert error["message"] == "Обмен с 1С уже идёт; запросите снова, когда он закончится."


def test_a_url_that_is_not_1c_is_named_so_not_a_500(api, admin, tenant):
    from domains.onec import services
    from tests.net import QuietHandler, http_server

    class Page(QuietHandler):
        def do_GET(self) -> None:
            self.answer(200, b"<html><body>Router login</body></html>", "text/html")

        do_POST = do_GET

    with http_server(Page) as port:
        url = f"http://127.0.0.1:{port}/ws?wsdl"
        assert put(api, admin, wsdl_url=url).status_code == 200
        answer = api.post("/api/onec/connection/test/", HTTP_ACCEPT_LANGUAGE="ru", **bearer(admin))
        assert answer.status_code == 200
        assert answer.json()["results"] == {url: "это не служба обмена Oqim: в её WSDL нет нужной привязки"}
        exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == "failed" and "not Oqim's exchange service" in exchange.error
