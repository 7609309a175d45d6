from __future__ import annotations

import pytest

from tests.factories import bearer

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status, code):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_malformed_json_is_400(api, admin):
    response = api.generic(
        "POST", "/api/members/", b'{"username": "x",', content_type="application/json", **bearer(admin)
    )
    assert_error_shape(response, 400, "parse_error")


def test_wrong_types_name_the_field(api, admin):
    response = api.post(
        "/api/members/", {"username": ["x"], "password": 5, "role": "chef"}, format="json", **bearer(admin)
    )
    error = assert_error_shape(response, 400, "invalid")
    assert error["fields"]["role"][0]["code"] == "invalid_choice"
    assert "username" in error["fields"]


def test_unknown_and_read_only_fields_are_rejected_not_ignored(api, admin):
    unknown = api.patch(f"/api/members/{admin.pk}/", {"role": "admin", "rol": "x"}, format="json", **bearer(admin))
    error = assert_error_shape(unknown, 400, "invalid")
    assert error["fields"] == {"rol": [{"code": "unknown_field", "message": "Unknown field."}]}


def test_a_json_array_where_an_object_belongs_is_400(api, admin):
    response = api.post("/api/members/", [1, 2], format="json", **bearer(admin))
    assert_error_shape(response, 400, "invalid")


def test_oversized_body_is_413_before_parsing(api, admin, settings):
    settings.MAX_JSON_BODY_BYTES = 1024
    response = api.post("/api/members/", {"username": "x" * 5000}, format="json", **bearer(admin))
    assert_error_shape(response, 413, "payload_too_large")


def test_unsupported_media_type_is_415(api, admin):
    response = api.generic("POST", "/api/members/", b"username=x", content_type="text/plain", **bearer(admin))
    assert_error_shape(response, 415, "unsupported_media_type")


def test_unknown_url_method_and_missing_auth(api, admin):
    assert_error_shape(api.get("/no/such/thing/"), 404, "not_found")
    assert_error_shape(api.get("/api/no-such-endpoint/"), 404, "not_found")
    assert_error_shape(api.put("/api/tenant/", {}, format="json", **bearer(admin)), 405, "method_not_allowed")
    error = assert_error_shape(api.get("/api/tenant/"), 401, "not_authenticated")
    assert error["message"]


def test_unexpected_exceptions_answer_json_500(client, admin, monkeypatch):
    from domains.members.views import TenantView

    def boom(self, request):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    monkeypatch.setattr(TenantView, "get", boom)
    client.raise_request_exception = False
    response = client.get("/api/tenant/", **bearer(admin))
    assert_error_shape(response, 500, "server_error")
    assert "kaboom" not in response.content.decode()


def test_every_response_carries_a_request_id(api, db):
    echoed = api.get("/health/", HTTP_X_REQUEST_ID="abc-123")
    fresh = api.get("/health/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert echoed["X-Request-ID"] == "abc-123"
    assert fresh["X-Request-ID"] != "bad id with spaces" and len(fresh["X-Request-ID"]) == 32


def test_a_redis_outage_answers_503_not_500(api, admin, settings):
    # given: the cache (revoked sessions, throttles) points at a Redis that is not there
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    # when
    response = api.get("/api/me/", **bearer(admin))
    # then
    error = assert_error_shape(response, 503, "service_unavailable")
    assert "retry" in error["message"]
