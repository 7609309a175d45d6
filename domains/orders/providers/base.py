"""The one interface every provider adapter implements.

``submit`` sends an order under our key, which is also its idempotency key: a provider that sees
the key again returns the order it already has. ``lookup`` asks for an order by our key before a
re-send, for providers that ignore idempotency keys. ``status`` asks how an order is doing.
Transport errors, timeouts, 408/429 and 5xx raise ``ProviderUnavailable`` (try again later);
other 4xx raise ``ProviderRejected`` (the order cannot succeed as it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Statuses a provider may report, mapped onto ours by the services.
ACCEPTED, PROCESSING, COMPLETED, FAILED = "accepted", "processing", "completed", "failed"
PROVIDER_STATUSES = (ACCEPTED, PROCESSING, COMPLETED, FAILED)


@dataclass(frozen=True)
class SubmitRequest:
    key: str  # our order key, the idempotency key
    product_code: str
    package_code: str
    account: str
    extra: str


@dataclass(frozen=True)
class Answer:
    status: str  # one of PROVIDER_STATUSES
    reference: str | None = None
    pin: str | None = None
    reason: str = ""
    http_status: int | None = None
    endpoint: str = ""  # "primary" or "failover" for HTTP providers


class ProviderError(Exception):
    def __init__(self, message: str, *, http_status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.endpoint = endpoint


class ProviderUnavailable(ProviderError):
    """Transient: the provider could not answer now."""


class ProviderRejected(ProviderError):
    """Permanent: the provider refused this request."""


class Adapter(Protocol):
    def submit(self, request: SubmitRequest) -> Answer: ...

    def lookup(self, key: str) -> Answer | None: ...

    def status(self, *, key: str, reference: str) -> Answer: ...


def parse_answer(body: object, *, http_status: int | None = None, endpoint: str = "") -> Answer:
    """An answer from a provider's JSON body; a malformed one is the provider's fault (transient)."""
    if not isinstance(body, dict) or body.get("status") not in PROVIDER_STATUSES:
        raise ProviderUnavailable("malformed provider answer", http_status=http_status, endpoint=endpoint)
    pin = body.get("pin")
    if body["status"] == COMPLETED and not (isinstance(pin, str) and 0 < len(pin) <= 500):
        raise ProviderUnavailable("completed without a PIN", http_status=http_status, endpoint=endpoint)
    reference = body.get("reference")
    return Answer(
        status=body["status"],
        reference=str(reference)[:100] if reference not in (None, "") else None,
        pin=pin if body["status"] == COMPLETED else None,
        reason=str(body.get("reason") or "")[:500],
        http_status=http_status,
        endpoint=endpoint,
    )
