"""Every integration calls out through one guarded client (core.egress): an internal address, or a
DNS name that resolves to one, is refused when the URL is saved (a 400 naming the field) and again
when the call is made (as after a DNS rebinding: allowed when saved, internal when called), and
the internal server never sees a request. Then the client's own rules: no redirect followed, an
answer cut at its limit, UTF-8 Basic credentials, no proxy or cookie from anywhere."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from core import egress
from domains.notifications import telegram
from domains.onec.models import Connection
from domains.orders.providers import http as order_http
from domains.orders.providers.base import ProviderUnavailable, SubmitRequest
from domains.stock import services as stock
from domains.webhooks import services as webhooks
from domains.webhooks.models import Delivery
from realtime.fanout import fan_out
from tests.factories import bearer
from tests.net import QuietHandler, http_server
from tests.notifications.fakes import fake_bot_api
from tests.onec.sim import connect, simulated_1c

pytestmark = pytest.mark.django_db

INTERNAL = ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/ws", "http://[::ffff:127.0.0.1]/x"]


class Internal:
    """An internal service on loopback that counts what reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()
        self.port = 0

    def url(self, path: str = "/", *, by_name: bool = False) -> str:
        return f"http://{'localhost' if by_name else '127.0.0.1'}:{self.port}{path}"


@pytest.fixture
def internal() -> Iterator[Internal]:
    found = Internal()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            with found.lock:
                found.hits.append(self.path)
            self.answer(200, b'{"ok": true, "result": {"username": "x"}}')

        do_POST = do_GET

    with http_server(Handler) as port:
        found.port = port
        yield found


@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    """The allow-list as in production: nothing internal."""

    def apply() -> None:
        settings.OUTBOUND_ALLOWED_NETWORKS = []

    return apply


def _code(answer, field: str) -> str:  # type: ignore[no-untyped-def]
    assert answer.status_code == 400, answer.content
    return answer.json()["error"]["fields"][field][0]["code"]


# -- 1C (zeep) ------------------------------------------------------------------------------------


def test_1c_refuses_internal_addresses_when_saved_and_when_called(api, tenant, admin, production, internal):
    production()
    for url in [*INTERNAL, internal.url("/ws?wsdl", by_name=True)]:
        answer = api.put("/api/onec/connection/", {"wsdl_url": url}, format="json", **bearer(admin))
        assert _code(answer, "wsdl_url") == "private_address", url
    assert not Connection.objects.exists()
    # Saved while its address was allowed; internal when called: the test and the exchange refuse.
    Connection.objects.create(
        tenant=tenant, wsdl_url=internal.url("/ws?wsdl"), failover_url=internal.url("/ws?wsdl", by_name=True)
    )
    results = api.post("/api/onec/connection/test/", HTTP_ACCEPT_LANGUAGE="ru", **bearer(admin)).json()["results"]
    assert set(results) == {internal.url("/ws?wsdl"), internal.url("/ws?wsdl", by_name=True)}
    assert all(r.startswith("вызов не сделан: внутренний") for r in results.values()), results
    from domains.onec import services

    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == "failed" and "not called" in exchange.error
    assert internal.hits == []


def test_1c_takes_an_uzbek_user_and_a_russian_password(api, tenant, admin):
    with simulated_1c() as onec:
        onec.base.username, onec.base.password = "Ōzbek", "пароль"
        connect(tenant, onec)
        saved = api.put(
            "/api/onec/connection/",
            {"wsdl_url": onec.primary_url, "username": "Ōzbek", "password": "пароль"},
            format="json",
            **bearer(admin),
        )
        assert saved.status_code == 200, saved.content
        tested = api.post("/api/onec/connection/test/", **bearer(admin))
        assert tested.status_code == 200 and tested.json()["results"] == {onec.primary_url: "ok: Oqim 1C simulator"}
        from domains.onec import services

        assert services.run_exchange(tenant=tenant).status == "succeeded"


# -- order providers -----------------------------------------------------------------------------


def test_order_providers_refuse_internal_addresses_when_saved_and_when_called(api, admin, production, internal):
    production()
    for url in [*INTERNAL, internal.url(by_name=True)]:
        made = api.post(
            "/api/orders/providers/", {"name": "P", "kind": "http", "base_url": url}, format="json", **bearer(admin)
        )
        assert _code(made, "base_url") == "private_address", url
    token = api.post(
        "/api/orders/providers/",
        {"name": "P", "kind": "http", "base_url": "http://8.8.8.8/", "auth_token": "Bearer токен"},
        format="json",
        **bearer(admin),
    )
    assert _code(token, "auth_token") == "invalid"  # a header's value cannot carry it
    request = SubmitRequest(key="k1", product_code="g", package_code="p", account="a", extra="")
    adapter = order_http.HttpAdapter(
        base_url=internal.url(by_name=True), failover_url=internal.url(), timeout_seconds=2
    )
    with pytest.raises(ProviderUnavailable, match="not called: private_address"):
        adapter.submit(request)
    order_http.COOLDOWNS.until.clear()
    assert internal.hits == []


# -- webhooks --------------------------------------------------------------------------------------


def test_webhooks_refuse_internal_addresses_when_saved_and_when_delivered(
    api, tenant, admin, settings, internal, django_capture_on_commit_callbacks
):
    made = api.post(
        "/api/webhooks/endpoints/",
        {"url": internal.url("/hook", by_name=True), "event_types": ["stock.product_changed"]},
        format="json",
        **bearer(admin),
    )
    assert made.status_code == 201  # loopback is allowed outside production, as when it was saved
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    for url in INTERNAL:
        answer = api.post(
            "/api/webhooks/endpoints/",
            {"url": url, "event_types": ["stock.product_changed"]},
            format="json",
            **bearer(admin),
        )
        assert _code(answer, "url") == "private_address", url
    with django_capture_on_commit_callbacks(execute=True):
        stock.product_create(tenant=tenant, name="Guruch", unit="g", minimum=Decimal(1), actor=admin.user)
        fan_out()
    assert webhooks.deliver_due(endpoint_id=made.json()["id"]) == 1
    (delivery,) = Delivery.objects.all()
    assert delivery.state == "pending" and delivery.attempt_log.get().error == "private_address"
    assert internal.hits == []


# -- SMS gateway and Telegram ----------------------------------------------------------------------


def test_the_sms_gateway_refuses_internal_addresses_when_saved_and_when_sent(api, admin, production, internal):
    production()
    for url in [*INTERNAL, internal.url("/sms", by_name=True)]:
        answer = api.put(
            "/api/notifications/sms-gateway/", {"url": url, "body": "{phone} {message}"}, format="json", **bearer(admin)
        )
        assert _code(answer, "url") == "private_address", url
    bad = api.put(
        "/api/notifications/sms-gateway/",
        {"url": "http://8.8.8.8/sms", "body": "{phone} {message}", "authorization": "Bearer\r\nX-Evil: 1"},
        format="json",
        **bearer(admin),
    )
    assert _code(bad, "authorization") == "invalid"
    sent = egress.post(
        internal.url("/sms", by_name=True), b"to=1", {}, content_type="application/x-www-form-urlencoded"
    )
    assert sent.status_code is None and sent.error == "private_address"
    assert internal.hits == []


def test_telegram_goes_through_the_guard_and_never_names_the_token(settings, production):
    with fake_bot_api() as bot:
        settings.TELEGRAM_API_URL = bot.url.replace("127.0.0.1", "localhost")
        assert telegram.bot_username(bot.token) == "oqim_test_bot"  # allowed outside production
        production()
        with pytest.raises(telegram.TelegramError) as refused:
            telegram.bot_username(bot.token)
        assert "private_address" in str(refused.value) and bot.token not in str(refused.value)
        assert len(bot.calls) == 1


# -- the client's own rules ------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[dict]:
    """Answers by path: /redirect (302 to /inside), /big (2 MiB), /cookie (sets one), /echo."""
    seen: dict = {"paths": [], "headers": []}

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            seen["paths"].append(self.path)
            seen["headers"].append(dict(self.headers))
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/inside")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path == "/big":
                self.answer(200, b"x" * (2 * 1024 * 1024))
            elif self.path == "/cookie":
                self.send_response(200)
                self.send_header("Set-Cookie", "sid=secret; Path=/")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            else:
                self.answer(200, json.dumps({"ok": True}).encode())

    with http_server(Handler) as port:
        seen["url"] = f"http://127.0.0.1:{port}"
        yield seen


def test_no_redirect_is_followed(server):
    answer = egress.Session(timeout=2).get(server["url"] + "/redirect")
    assert answer.status_code == 302 and server["paths"] == ["/redirect"]


def test_an_answer_past_the_limit_is_not_read(server):
    with pytest.raises(egress.TooLarge):
        egress.Session(timeout=2, max_bytes=1024 * 1024).get(server["url"] + "/big")
    assert len(egress.Session(timeout=2, max_bytes=3 * 1024 * 1024).get(server["url"] + "/big").content) == 2 << 20


def test_basic_credentials_go_as_utf8_and_no_cookie_is_kept(server):
    session = egress.Session(timeout=2, username="Ōzbek", password="пароль")
    session.get(server["url"] + "/cookie")
    session.get(server["url"] + "/echo")
    sent = server["headers"][-1]
    assert base64.b64decode(sent["Authorization"].removeprefix("Basic ")).decode() == "Ōzbek:пароль"
    assert "Cookie" not in sent


def test_no_proxy_from_the_environment_or_the_caller(server, monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert egress.Session(timeout=2).get(server["url"] + "/echo").json() == {"ok": True}
    with pytest.raises(egress.Refused):
        egress.Session(timeout=2).get(server["url"] + "/echo", proxies={"http": "http://127.0.0.1:9"})


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("64:ff9b::808:808", True),  # NAT64 to a public address
        ("127.0.0.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("::ffff:10.0.0.1", False),  # IPv4-mapped
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::ffff:0:7f00:1", False),  # IPv4-translated 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 to 10.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("fec0::1", False),  # site-local
        ("fd00::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_which_addresses_are_public(address, public, production):
    import ipaddress

    from core.egress_guard import allowed_address

    production()
    assert allowed_address(ipaddress.ip_address(address)) is public


def test_the_connection_goes_to_the_address_that_was_checked(internal, production, monkeypatch):
    """A name that resolves to a public address when judged and to an internal one a moment
    later (DNS rebinding) is connected to by the address judged: here the guard's only lookup
    answers 127.0.0.1 for a name no resolver knows, and the request arrives by that address."""
    import socket

    from core import egress_guard

    asked: list[str] = []
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(host)
        return real("127.0.0.1" if host == "rebind.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(egress_guard.socket, "getaddrinfo", resolver)
    assert egress.Session(timeout=2).get(f"http://rebind.test:{internal.port}/x").status_code == 200
    # the name looked up once, by the guard; the socket then opened to the address it judged
    assert asked == ["rebind.test", "127.0.0.1"] and internal.hits == ["/x"]
    production()
    with pytest.raises(egress.Refused):
        egress.Session(timeout=2).get(f"http://rebind.test:{internal.port}/y")
    assert internal.hits == ["/x"]


def test_zeep_reads_no_local_file(tmp_path, internal):
    from domains.onec.client import OnecClient, _WebOnly

    session = egress.Session(timeout=2)
    _WebOnly(session=session, timeout=2)
    assert "file://" not in session.adapters and session.headers["User-Agent"] == "Oqim/1"
    with pytest.raises(egress.Refused):
        session.get((tmp_path / "x").as_uri())
    secret = tmp_path / "secret.wsdl"
    secret.write_text("<definitions/>")
    answers = OnecClient(primary=secret.as_uri(), timeout=2).each_url(lambda service: service.Ping())
    assert answers == {secret.as_uri(): "not called (invalid_scheme)"}


def test_a_refusal_reaches_the_caller_as_itself_not_as_a_retried_connection_error(production, internal):
    production()
    with pytest.raises(egress.Refused) as refused:
        egress.Session(timeout=2).get(internal.url(by_name=True))
    assert refused.value.code == "private_address" and not isinstance(refused.value, requests.RequestException)
