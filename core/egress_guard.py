"""The SSRF guard of every outbound call (core.egress): only public addresses, unless the operator
allows a network (``OUTBOUND_ALLOWED_NETWORKS``: an on-premise 1C, a receiver on the LAN).

``check`` judges a URL being saved (a 400 naming the field); ``addresses`` is asked again at each
connection, and the connection goes to an address it returned, so a name that resolves to a
public address at the check and to 127.0.0.1 at the request (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext

from core.errors import invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 forms that carry an IPv4 address in their last 32 bits (NAT64, IPv4-translated, the
# deprecated IPv4-compatible): judged by that IPv4 address. 6to4 (2002::/16) carries it in bits
# 16-47 (``sixtofour``). A translator or relay forwards to it.
_EMBEDDING_LOW32 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96"))
# Never a public destination although some Pythons call them global: NAT64's local-use prefix,
# the old site-local range, 6to4's relay anycast.
_REFUSED = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "fec0::/10", "192.88.99.0/24"))


class Refused(Exception):
    """The address may not be called; ``code`` says why (machine-readable). Not an OSError, so
    urllib3 does not take it for a network failure to retry: it reaches the caller as it is."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@cache
def _allowed(networks: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped or address.sixtofour:
            return _public(address.ipv4_mapped or address.sixtofour)  # type: ignore[arg-type]
        if any(address in n for n in _EMBEDDING_LOW32):
            return _public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast and not any(address in n for n in _REFUSED)


def allowed_address(address: IPAddress) -> bool:
    if any(address in network for network in _allowed(tuple(settings.OUTBOUND_ALLOWED_NETWORKS))):
        return True
    return _public(address)


def addresses(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
    """Where a connection to ``host`` may go: its addresses, every one allowed, in the resolver's
    order. Every one must be: a name with one public and one private address would let the
    resolver's order pick the private one."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused("unresolvable_host", gettext("%(host)s does not resolve.") % {"host": host}) from exc
    resolved = [(info[0], str(info[4][0]).split("%", 1)[0]) for info in found]
    if not resolved or not all(allowed_address(ipaddress.ip_address(a)) for _, a in resolved):
        raise Refused(
            "private_address",
            gettext(
                "%(host)s resolves to a private, loopback or link-local address; the operator can allow its "
                "network (OUTBOUND_ALLOWED_NETWORKS)."
            )
            % {"host": host},
        )
    return list(dict.fromkeys(resolved))


def check(url: str, *, unresolvable_ok: bool = False) -> None:
    """Raise Refused for a URL Oqim may not call: a scheme, credentials in it, a host or an
    address. ``unresolvable_ok``: a name that does not resolve yet passes (it is judged again at
    each call)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused("invalid_scheme", gettext("Only http and https URLs can be called."))
    if parts.username or parts.password:
        raise Refused("credentials_in_url", gettext("Put no user name or password in the URL."))
    host = parts.hostname
    if not host:
        raise Refused("invalid_url", gettext("The URL has no host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("invalid_url", gettext("The URL's port is not a number from 1 to 65535.")) from exc
    try:
        addresses(host, port)
    except Refused as exc:
        if not (unresolvable_ok and exc.code == "unresolvable_host"):
            raise


def require_allowed(url: str, *, field: str = "url", unresolvable_ok: bool = False) -> None:
    """``check`` for a URL being saved: a refusal is a 400 on ``field`` with the guard's code."""
    try:
        check(url, unresolvable_ok=unresolvable_ok)
    except Refused as exc:
        raise invalid(field, exc.code, str(exc)) from exc
