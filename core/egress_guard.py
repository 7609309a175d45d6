"""The SSRF guard: outbound HTTP (webhooks, the SMS gateway) goes only to public addresses,
unless the operator allows a network (``WEBHOOKS_ALLOWED_NETWORKS``, for on-premise receivers).

The host is resolved once per attempt and the request goes to the address that was checked
(core.egress), so a name that resolves to a public address at the check and to 127.0.0.1 at the
request (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not receive webhooks; ``code`` says why (machine-readable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as in the URL: the Host header and TLS name
    port: int
    path: str  # with the query
    address: str  # the checked IP the request goes to


@cache
def _allowed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def allowed_address(address: IPAddress) -> bool:
    if any(address in network for network in _allowed(tuple(settings.WEBHOOKS_ALLOWED_NETWORKS))):
        return True
    return _public(address)


def require_allowed(url: str, *, field: str = "url") -> None:
    """``check`` for a URL being saved: a refusal is a 400 on ``field`` with the guard's code."""
    try:
        check(url)
    except Refused as exc:
        raise invalid(field, exc.code, str(exc)) from exc


def check(url: str) -> Target:
    """Where ``url`` would be delivered; raises Refused for a scheme, a host or an address that
    may not receive webhooks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused("invalid_scheme", "Only http and https URLs receive webhooks.")
    if parts.username or parts.password:
        raise Refused("credentials_in_url", "Put no user name or password in the URL.")
    host = parts.hostname
    if not host:
        raise Refused("invalid_url", "The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("invalid_url", "The URL's port is not a number from 1 to 65535.") from exc
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused("unresolvable_host", f"{host} does not resolve.") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    # Every address must be allowed: a name with one public and one private address would let
    # the resolver's order pick the private one.
    if not addresses or not all(allowed_address(a) for a in addresses):
        raise Refused(
            "private_address",
            f"{host} resolves to a private, loopback or link-local address; "
            "set WEBHOOKS_ALLOWED_NETWORKS to deliver there.",
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))
