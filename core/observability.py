"""Sentry, when ``SENTRY_DSN`` is set. Must run before the Dramatiq broker is built: the
Dramatiq integration hooks broker construction (it is not enabled automatically)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "access",
        "refresh",
        "ticket",
        "authorization",
        "pin",
        "pin_code",
        "api_key",
        "apikey",
        "signature",
        "sessionid",
        "csrftoken",
        "cookie",
        "x-api-key",
        "jwt",
        "dsn",
    }
)
FILTERED = "[Filtered]"
# Words that mark a name as secret wherever it appears inside a longer name.
_SECRET_WORDS = ("token", "password", "secret", "pin", "ticket", "access", "refresh", "signature")
_WORDS = "|".join(_SECRET_WORDS)
# A secret-looking parameter inside any string (frame variables hold request reprs with the URL).
_SECRET_PARAM = re.compile(rf"([?&;](?:[\w.-]*(?:{_WORDS}|key)[\w.-]*)=)[^&\s'\"<>]*", re.IGNORECASE)
# ... and inside reprs of dicts and serializers: {'password': 'x'}.
_SECRET_ITEM = re.compile(rf"""(['"][\w.-]*(?:{_WORDS})[\w.-]*['"]\s*:\s*)(['"]).*?(?<!\\)\2""", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/-]+=*", re.IGNORECASE)


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered in SECRET_KEYS or any(word in lowered for word in ("password", "token", "secret", "pin"))


def scrub_query_string(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, FILTERED if _is_secret(k) else v) for k, v in pairs], safe="[]")


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (FILTERED if isinstance(k, str) and _is_secret(k) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        value = _SECRET_PARAM.sub(rf"\1{FILTERED}", value)
        value = _SECRET_ITEM.sub(rf"\1'{FILTERED}'", value)
        return _BEARER.sub(rf"\1{FILTERED}", value)
    return value


def before_send(event: Any, hint: Any) -> Any:
    """Remove tokens, passwords and PINs from everything the SDK collected."""
    request = event.get("request")
    if isinstance(request, dict):
        if isinstance(request.get("query_string"), str):
            request["query_string"] = scrub_query_string(request["query_string"])
        url = request.get("url")
        if isinstance(url, str) and "?" in url:
            base, _, query = url.partition("?")
            request["url"] = f"{base}?{scrub_query_string(query)}"
    return _scrub(event)


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float, **options: Any) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.dramatiq import DramatiqIntegration
    from sentry_sdk.integrations.redis import RedisIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), RedisIntegration(), DramatiqIntegration()],
        event_scrubber=EventScrubber(denylist=sorted(set(DEFAULT_DENYLIST) | SECRET_KEYS), recursive=True),
        before_send=before_send,
        before_send_transaction=before_send,
        **options,
    )
