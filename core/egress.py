"""One outbound HTTP client for every integration (1C over zeep, order providers, webhooks, SMS
gateways, Telegram): a ``requests`` session that

- connects only where the SSRF guard (core.egress_guard) allows, asking it at every new
  connection and connecting to the address it checked; TLS still names and verifies the URL's host;
- follows no redirect (a 3xx is the answer: a redirect could point anywhere), uses no proxy from
  the environment (it would be the address connected to) and keeps no cookies (a session may
  serve several organizations);
- puts a timeout on every call and stops reading an answer past ``max_bytes`` (``TooLarge``);
- sends Basic credentials as UTF-8 (RFC 7617), so "Ōzbek" or "пароль" work where requests'
  Latin-1 would fail.

The connection pools are the process's, shared by every session: keep-alive per host.
"""

from __future__ import annotations

import base64
import os
import socket
import time
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from core.egress_guard import Refused, addresses

__all__ = ["Outcome", "Refused", "Session", "TooLarge", "Utf8BasicAuth", "post"]

EXCERPT_CHARS = 500
READ_BYTES = 4096  # of a webhook's or gateway's answer, for the log's excerpt; the rest is not read


class TooLarge(requests.RequestException):
    """The answer is longer than the session's ``max_bytes``."""


class _Guarded:
    """A urllib3 connection that asks the guard where it may connect, each time it connects."""

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        failure: Exception | None = None
        for _family, address in addresses(self.host.strip("[]"), self.port):
            try:
                return connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                failure = ConnectTimeoutError(self, f"Connection to {self.host} timed out.")
                failure.__cause__ = exc
            except OSError as exc:
                failure = NewConnectionError(self, f"Failed to establish a new connection: {exc}")  # type: ignore[arg-type]
        assert failure is not None  # addresses() returns at least one or raises
        raise failure


class _GuardedHTTPConnection(_Guarded, HTTPConnection):
    """http://, connected where the guard allows."""


class _GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    """https://, connected where the guard allows; TLS still names and checks the URL's host."""


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise Refused("proxy", "Outbound calls go through no proxy.")


# One per process: its pools are keyed by host, so every session reuses the connections.
_ADAPTER = _GuardedAdapter(pool_connections=100, pool_maxsize=10, max_retries=0)


class Utf8BasicAuth(requests.auth.AuthBase):
    """HTTP Basic with the user and password as UTF-8 (RFC 7617's charset="UTF-8")."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        request.headers["Authorization"] = f"Basic {token}"
        return request


class Session(requests.Session):
    """A guarded session (the module's rules); ``timeout`` is (connect, read) seconds, used
    when a call names none."""

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float],
        max_bytes: int | None = None,
        username: str = "",
        password: str = "",
        user_agent: str = "Oqim/1",
    ) -> None:
        super().__init__()
        self.trust_env = False  # no proxy or netrc from the environment...
        # ...but its CA bundle, for an on-premise 1C whose certificate an internal CA signed.
        self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.mount("http://", _ADAPTER)
        self.mount("https://", _ADAPTER)
        self.timeout = timeout
        self.max_bytes = max_bytes or settings.OUTBOUND_MAX_RESPONSE_BYTES
        self.headers["User-Agent"] = user_agent
        if username or password:
            self.auth = Utf8BasicAuth(username, password)

    def get_redirect_target(self, resp: requests.Response) -> None:
        # Not a redirect to requests: it neither follows it nor reads its body, unbounded, to
        # prepare the next request.
        return None

    def close(self) -> None:
        """Nothing to close: the connection pools are the process's, shared by every session."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if urlsplit(request.url or "").scheme not in ("http", "https"):  # an adapter someone mounted
            raise Refused("invalid_scheme", "Only http and https URLs can be called.")
        kwargs["allow_redirects"] = False
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        stream = kwargs.pop("stream", False)
        response = super().send(request, stream=True, **kwargs)
        if not stream:  # read here, within the limit, what requests would read whole
            _read_bounded(response, self.max_bytes)
        return response


def _read_bounded(response: requests.Response, limit: int) -> None:
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):  # decoded: a compressed bomb counts as it unpacks
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"The answer is longer than {limit} bytes.")
            chunks.append(chunk)
    except BaseException:
        response.close()  # not read to its end: the connection is dropped, not pooled
        raise
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()  # read whole: hands the connection back to the pool


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str = ""  # "" when the receiver answered; else timeout, connection, tls, private_address, …
    response: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_deliveries: Session | None = None


def _delivery_session() -> Session:
    global _deliveries
    if _deliveries is None:
        _deliveries = Session(
            timeout=(settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS, settings.WEBHOOKS_TIMEOUT_SECONDS),
            user_agent="Oqim-Webhooks/1",
        )
    return _deliveries


def post(url: str, body: bytes, headers: dict[str, str], *, content_type: str = "application/json") -> Outcome:
    """One delivery (a webhook, an SMS gateway's request): what came back, never an exception."""
    began = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - began) * 1000)

    try:
        answer = _delivery_session().post(
            url, data=body, headers={**headers, "Content-Type": content_type}, stream=True
        )
    except Refused as exc:
        return Outcome(None, took(), error=exc.code, response=str(exc)[:EXCERPT_CHARS])
    except requests.Timeout:
        return Outcome(None, took(), error="timeout")
    except requests.exceptions.SSLError as exc:
        return Outcome(None, took(), error="tls", response=str(exc)[:EXCERPT_CHARS])
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        return Outcome(None, took(), error="connection", response=str(exc)[:EXCERPT_CHARS])
    try:
        excerpt = answer.raw.read(READ_BYTES, decode_content=True) or b""
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        excerpt = b""
    finally:
        if answer.raw.length_remaining == 0:
            answer.raw.release_conn()  # read whole: the connection is reused
        else:
            answer.close()  # a long answer is not read to its end
    return Outcome(answer.status_code, took(), response=excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS])
