"""Webhooks end to end: a change made over REST on a real web process reaches a real receiver,
signed, within seconds, sent by a real worker (the server's embedded one, or a Dramatiq worker
on Redis in the services run) with no one calling the delivery by hand."""

from __future__ import annotations

import time

from standardwebhooks import Webhook

from core.roles import Role
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import access_token
from tests.webhooks.receiver import receiver


def test_a_change_over_rest_reaches_the_receiver_signed_within_seconds(server, worker):
    admin = member_factory(tenant=tenant_factory(), role=Role.ADMIN)
    token = access_token(admin)
    with receiver() as hook:
        status, made = server.call(
            "POST", "/api/webhooks/endpoints/", token, {"url": hook.url, "event_types": ["stock.product_changed"]}
        )
        assert status == 201, made
        status, product = server.call(
            "POST", "/api/stock/products/", token, {"name": "Rice", "unit": "g", "minimum": "100"}
        )
        assert status == 201, product
        committed = time.monotonic()
        while not hook.requests and time.monotonic() - committed < 15:
            time.sleep(0.05)
        assert hook.requests, "no webhook came"
        took = time.monotonic() - committed
        time.sleep(1.5)  # and no second copy follows
        (got,) = hook.requests
    body = Webhook(made["secret"]).verify(got.body, got.headers)
    assert body["type"] == "stock.product_changed" and body["data"]["product_id"] == product["id"]
    assert took < 5, took
