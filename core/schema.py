"""OpenAPI extensions: our JWT authentication, file answers, and the error answers every
operation can give (``error_responses``, a drf-spectacular postprocessing hook)."""

from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.types import OpenApiTypes


class TenantJWTScheme(SimpleJWTScheme):
    target_class = "core.auth.TenantJWTAuthentication"
    name = "jwtAuth"


def binary_responses(content_types: Iterable[str], status: int = 200) -> dict[tuple[int, str], OpenApiTypes]:
    """A file download's answer, one entry per content type it can have, so the schema names
    the type a client actually receives."""
    return {(status, kind): OpenApiTypes.BINARY for kind in sorted(content_types)}


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx and 5xx answer (docs/errors.md).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable and stable."},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Dotted field path to its errors; empty when no field is at fault.",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        },
                    },
                },
            },
        }
    },
}
ERRORS = {
    "400": "Invalid input: `fields` names each field at fault.",
    "401": "No, bad, expired or revoked credentials.",
    "403": "The role or branch may not do this.",
    "404": "No such row in this organization.",
    "409": "Valid, but the current state forbids it (for example stock is short).",
    "413": "The body is larger than the endpoint takes.",
    "415": "The body's content type is not one this endpoint reads.",
    "429": "Throttled; `Retry-After` says when to try again.",
    "503": "A dependency (database, Redis) is unavailable; retry after `Retry-After`.",
}
WRITES = {"post", "put", "patch", "delete"}


def error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """Name the error answers each operation can give, in the one error shape, so a client (and
    the schemathesis run in the tests) knows every status it may see."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["responses"] = {
        f"Error{code}": {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code, text in ERRORS.items()
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = "requestBody" in operation
            # 400 everywhere: besides bad input, services refuse some states as invalid input
            # (the last admin cannot be removed).
            codes = {"400", "401", "403", "429", "503"}
            if "{" in path:
                codes.add("404")
            if method in WRITES:
                codes.add("409")
            if body:
                codes |= {"413", "415"}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes - set(responses)):
                responses[code] = {"$ref": f"#/components/responses/Error{code}"}
    return result
