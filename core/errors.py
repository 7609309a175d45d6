"""One error shape for every 4xx/5xx, REST or not:

    {"error": {"code": "invalid", "message": "...", "fields": {"name": [{"code": ..., "message": ...}]}}}

``code`` is machine-readable and stable; ``fields`` is present (possibly empty) always.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 1


def invalid(field: str, code: str, message: str) -> exceptions.ValidationError:
    """A 400 on one field with a machine-readable code, as a service raises it."""
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


class Conflict(exceptions.APIException):
    """409: the request is valid but the current state forbids it (e.g. stock is short)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str | None = None, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, code)
        self.extra = extra


class DependencyUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "A service this request needs is unavailable; retry shortly."
    wait = RETRY_AFTER_SECONDS


# Set in the request's environ when the database connection failed under it: the web server's
# thread pool (realtime/server/http.py) then runs a safe request (GET, HEAD, OPTIONS) once more on a fresh connection.
DATABASE_LOST = "oqim.database_lost"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _database_lost(request: HttpRequest | None, exc: Exception) -> None:
    logger.warning("database unavailable during a request", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
    if request is not None:
        request.META[DATABASE_LOST] = True


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[dict[str, str]]]:
    """DRF's nested error tree as dotted field paths (``lines.0.quantity``)."""
    out: dict[str, list[dict[str, str]]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # A nested list's own error ("may not be empty") belongs to the list's field.
            own = key == "non_field_errors" and prefix
            out.update(_flatten(value, prefix if own else f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if detail and all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            out[prefix or "non_field_errors"] = [{"code": item.code, "message": str(item)} for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, exceptions.ErrorDetail):
        out[prefix or "non_field_errors"] = [{"code": str(detail.code), "message": str(detail)}]
    return out


def field_errors(exc: exceptions.ValidationError) -> dict[str, list[dict[str, str]]]:
    """A validation error's fields as the error body shows them (for the WebSocket's frames)."""
    return _flatten(exc.detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, RedisConnectionError | RedisTimeoutError):
        # Redis down: an honest, retryable 503 (``/ready/`` says the same), not a 500.
        logger.warning("redis unavailable during a request", extra={"error": type(exc).__name__})
        exc = DependencyUnavailable()
    elif isinstance(exc, DATABASE_ERRORS):
        # The connection was lost or refused (a restart, a terminated backend, an outage). The
        # transaction did not commit, or a replay with the same Idempotency-Key returns what did.
        _database_lost(context.get("request"), exc)
        exc = DependencyUnavailable()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler answers and Sentry records it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]  # set by DRF on 401s
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]  # Throttled

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        only_non_field = set(fields) == {"non_field_errors"}
        message = fields["non_field_errors"][0]["message"] if only_non_field else gettext("Some fields are invalid.")
        body = error_body("invalid", message, {} if only_non_field else fields)
    else:
        detail = exc.detail
        if isinstance(detail, dict):  # simplejwt packs messages in a dict
            message = str(detail.get("detail", exc.default_detail))
            code = str(getattr(detail.get("code"), "code", None) or detail.get("code") or exc.default_code)
        else:
            message = str(detail)
            code = getattr(detail, "code", None) or exc.default_code
        body = error_body(code, message, **getattr(exc, "extra", {}))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def error_json(status_code: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """An error answer as raw parts, for the server layers below Django (realtime/server/)."""
    body = json.dumps(error_body(code, message), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return status_code, headers, body


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(400, "bad_request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(403, "permission_denied", "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    # Django calls this inside its ``except`` for the uncaught exception.
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):  # outside DRF (admin, middleware): the same 503
        _database_lost(request, exc)
        response = _json_error(503, DependencyUnavailable.default_code, str(DependencyUnavailable.default_detail))
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _json_error(500, "server_error", "Internal server error. It has been logged.")
