"""The HTTP JSON provider: a base URL and a failover URL, a timeout on every call, an auth header.

The contract (docs/orders.md):
    POST {url}/orders                       submit; ``Idempotency-Key`` header = our key
    GET  {url}/orders?client_order_id={key} lookup by our key; 404 when unknown
    GET  {url}/orders/{reference}           status
Each answers ``{"status", "reference", "pin"?, "reason"?}``. When the primary fails (transport
error, timeout, 408/429/5xx) the same call goes to the failover URL; the switch is logged and
counted on the provider. After a failure the primary is skipped for ``PRIMARY_COOLDOWN`` seconds,
so an hour-long outage does not cost every call a timeout first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import quote

import requests

from core import egress
from core.failover import AllFailed, Cooldowns, Failover
from domains.orders.providers.base import (
    Answer,
    ProviderRejected,
    ProviderUnavailable,
    SubmitRequest,
    parse_answer,
)

logger = logging.getLogger(__name__)

PRIMARY_COOLDOWN = 30.0
# One for the process (an adapter is made per call): the pools keep connections per provider.
_session = egress.Session(timeout=10.0, max_bytes=1024 * 1024, user_agent="Oqim-Orders/1")
COOLDOWNS = Cooldowns(seconds=PRIMARY_COOLDOWN)  # per process: each worker learns on its own


class HttpAdapter:
    def __init__(
        self,
        *,
        base_url: str,
        failover_url: str = "",
        auth_header: str = "",
        auth_token: str = "",
        timeout_seconds: float = 10,
        on_failover: Callable[[str], None] | None = None,
    ) -> None:
        self.primary, self.failover = base_url.rstrip("/"), failover_url.rstrip("/")
        self.headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if auth_header and auth_token:
            self.headers[auth_header] = auth_token
        self.timeout = (min(3.0, timeout_seconds), timeout_seconds)
        self.on_failover = on_failover

    def submit(self, request: SubmitRequest) -> Answer:
        body = {
            "client_order_id": request.key,
            "product": request.product_code,
            "package": request.package_code,
            "account": request.account,
            "extra": request.extra,
        }
        return self._call("POST", "/orders", body=body, extra_headers={"Idempotency-Key": request.key})

    def lookup(self, key: str) -> Answer | None:
        return self._call("GET", f"/orders?client_order_id={quote(key, safe='')}", missing_ok=True)

    def status(self, *, key: str, reference: str) -> Answer:
        return self._call("GET", f"/orders/{quote(reference, safe='')}")

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        extra_headers: dict | None = None,
        missing_ok: bool = False,
    ) -> Answer | None:
        session = Failover(self.primary, self.failover, cooling=COOLDOWNS.cooling(self.primary))

        def attempt(url: str) -> Answer | None:
            endpoint = "primary" if url == self.primary else "failover"
            return self._once(method, url + path, endpoint, body, extra_headers, missing_ok)

        try:
            return session.call(attempt, passes_over=(ProviderUnavailable,), on_switch=self._switched)
        except AllFailed as failed:
            raise failed.errors[-1][1] from None
        finally:
            COOLDOWNS.settle(session)

    def _switched(self, failed: str, url: str, error: Exception) -> None:
        endpoint = "primary" if url == self.primary else "failover"
        logger.warning("provider failover", extra={"to": endpoint, "url": url, "error": str(error)})
        if self.on_failover is not None:
            self.on_failover(endpoint)

    def _once(
        self,
        method: str,
        url: str,
        endpoint: str,
        body: dict | None,
        extra_headers: dict | None,
        missing_ok: bool,
    ) -> Answer | None:
        headers = {**self.headers, **(extra_headers or {})}
        try:
            response = _session.request(
                method,
                url,
                data=json.dumps(body).encode() if body is not None else None,
                headers=headers,
                timeout=self.timeout,
            )
        except egress.Refused as exc:  # the name now resolves to an address the guard refuses
            raise ProviderUnavailable(f"not called: {exc.code}", endpoint=endpoint) from exc
        except requests.Timeout as exc:
            raise ProviderUnavailable("timed out", endpoint=endpoint) from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"unreachable: {type(exc).__name__}", endpoint=endpoint) from exc
        code = response.status_code
        if code == 404 and missing_ok:
            return None
        if code >= 500 or code in (408, 429):
            raise ProviderUnavailable(f"HTTP {code}", http_status=code, endpoint=endpoint)
        try:
            payload = json.loads(response.content or b"null")
        except ValueError:
            payload = None
        if code >= 400:
            reason = payload.get("reason") if isinstance(payload, dict) else None
            raise ProviderRejected(str(reason or f"HTTP {code}")[:500], http_status=code, endpoint=endpoint)
        return parse_answer(payload, http_status=code, endpoint=endpoint)
