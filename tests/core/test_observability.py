"""Sentry scrubbing, checked on what the SDK would really send (through its transport hook)."""

from __future__ import annotations

import json
import logging

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from core.observability import init_sentry, scrub_query_string

pytestmark = pytest.mark.django_db
SECRETS = ("sekrit-token-value", "hunter2-secret-pass", "4242-9999", "refresh-secret-jwt")


class CaptureTransport(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[str] = []

    def capture_envelope(self, envelope) -> None:  # type: ignore[no-untyped-def]
        for item in envelope.items:
            self.payloads.append(item.payload.get_bytes().decode())


@pytest.fixture
def transport():  # type: ignore[no-untyped-def]
    capture = CaptureTransport()
    init_sentry(dsn="https://public@sentry.invalid/1", environment="test", traces_sample_rate=0.0, transport=capture)
    yield capture
    sentry_sdk.flush()
    sentry_sdk.init()  # disable again for the rest of the suite


def test_crash_reports_carry_no_tokens_passwords_or_pins(client, transport, monkeypatch):
    from core import auth

    def crash(**kwargs):  # type: ignore[no-untyped-def]
        pin = SECRETS[2]  # a local variable Sentry captures with the frame (not a literal: source lines are sent)
        raise RuntimeError(f"provider failed for {kwargs['username']} {len(pin)}")

    monkeypatch.setattr(auth, "login", crash)
    client.raise_request_exception = False
    # when
    response = client.post(
        "/api/auth/login/?token=sekrit-token-value&page=2",
        data=json.dumps({"username": "amy", "password": "hunter2-secret-pass"}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer refresh-secret-jwt",
    )
    logging.getLogger("oqim.test").error("order failed", extra={"pin": SECRETS[2], "order": 7})
    sentry_sdk.flush()
    # then
    assert response.status_code == 500
    sent = "\n".join(transport.payloads)
    assert "provider failed for amy" in sent, "the crash itself must still be reported"
    assert "order failed" in sent
    for secret in SECRETS:
        assert secret not in sent, f"{secret} reached Sentry"


def test_query_strings_are_scrubbed_by_key():
    assert scrub_query_string("page=2&access_token=abc&pin=1") == "page=2&access_token=[Filtered]&pin=[Filtered]"


def test_secrets_inside_reprs_are_scrubbed():
    from core.observability import before_send

    event = {"extra": {"repr": "LoginInput(data={'username': 'amy', 'password': 'p4ss'}) Bearer abc.def.ghi"}}
    scrubbed = before_send(event, {})["extra"]["repr"]
    assert "p4ss" not in scrubbed and "abc.def.ghi" not in scrubbed and "'amy'" in scrubbed
