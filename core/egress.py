"""Outbound HTTP to addresses the SSRF guard checked (webhooks, the SMS gateway), one POST at a
time.

urllib3 is told to connect to that IP while the Host header, the TLS server name and the
certificate check use the URL's host name. Redirects are not followed: a 3xx is a failure (a
redirect could point anywhere, the guard's check included).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from core.egress_guard import Refused, check

EXCERPT_CHARS = 500
READ_BYTES = 4096  # of the answer, for the log's excerpt; the rest is not read


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str = ""  # "" when the receiver answered; else timeout, connection, refused_address, …
    response: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}


def _pool(scheme: str, address: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
    """Keep-alive connections per receiver (a burst of deliveries reuses one)."""
    key = (scheme, address, port, host)
    if key not in _pools:
        timeout = urllib3.Timeout(
            connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS, read=settings.WEBHOOKS_TIMEOUT_SECONDS
        )
        if scheme == "https":
            _pools[key] = urllib3.HTTPSConnectionPool(
                address, port, timeout=timeout, maxsize=2, server_hostname=host, assert_hostname=host, retries=False
            )
        else:
            _pools[key] = urllib3.HTTPConnectionPool(address, port, timeout=timeout, maxsize=2, retries=False)
    return _pools[key]


def post(url: str, body: bytes, headers: dict[str, str], *, content_type: str = "application/json") -> Outcome:
    began = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - began) * 1000)

    try:
        target = check(url)
    except Refused as exc:
        return Outcome(None, took(), error=exc.code, response=str(exc)[:EXCERPT_CHARS])
    host = f"[{target.host}]" if ":" in target.host else target.host  # an IPv6 literal in brackets
    default_port = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    try:
        answer = _pool(target.scheme, target.address, target.port, target.host).urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": host_header,
                "Content-Type": content_type,
                "User-Agent": "Oqim-Webhooks/1",
            },
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.TimeoutError:
        return Outcome(None, took(), error="timeout")
    except urllib3.exceptions.SSLError as exc:
        return Outcome(None, took(), error="tls", response=str(exc)[:EXCERPT_CHARS])
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(None, took(), error="connection", response=str(exc)[:EXCERPT_CHARS])
    try:
        excerpt = answer.read(READ_BYTES, decode_content=False).decode("utf-8", "replace")
    except urllib3.exceptions.HTTPError:
        excerpt = ""
    finally:
        if answer.length_remaining == 0:
            answer.release_conn()  # read whole: the connection is reused
        else:
            answer.close()  # a long answer is not read to its end
    return Outcome(answer.status, took(), response=excerpt[:EXCERPT_CHARS])
