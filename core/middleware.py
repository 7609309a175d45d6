"""Request id, access log and body limits."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.errors import error_body
from core.logging import request_id_var

access_log = logging.getLogger("oqim.access")

# Health probes hit every few seconds; logging them buries everything else.
QUIET_PATHS = frozenset({"/health/", "/ready/"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Takes ``X-Request-ID`` (or makes one), echoes it, and writes one access-log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by the access log and errors
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        if request.path not in QUIET_PATHS:
            # The path only: query strings may carry tokens.
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        return response


class BodySizeLimitMiddleware:
    """413 for oversized bodies before anything parses them.

    DRF reads JSON from the raw stream, which bypasses ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
    this checks the declared length and, without one, the body actually received.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            multipart = request.content_type == "multipart/form-data"
            limit = settings.MAX_UPLOAD_BYTES if multipart else settings.MAX_JSON_BODY_BYTES
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(error_body("bad_request", "Invalid Content-Length."), status=400)
            if declared > limit:
                return self._too_large(limit)
            if not multipart:
                try:
                    if len(request.body) > limit:
                        return self._too_large(limit)
                except RequestDataTooBig:
                    return self._too_large(limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(limit: int) -> JsonResponse:
        return JsonResponse(
            error_body("payload_too_large", f"The request body exceeds {limit} bytes.", limit=limit), status=413
        )
