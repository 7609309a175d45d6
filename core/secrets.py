"""Secrets at rest: PINs and provider credentials are stored sealed (Fernet: AES-128-CBC + HMAC).

Keys come from ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys): the first seals, every
one of them opens, so a key is rotated by putting the new one first and re-sealing at leisure
(``manage.py reseal_secrets``). Outside production, with no keys set, one is derived from
``SECRET_KEY`` so a laptop works out of the box; production refuses to start without them.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"


class SecretUnreadable(Exception):
    """A sealed value that no configured key opens (keys rotated away, or data tampered with)."""


def derived_key(secret_key: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"oqim-field-encryption:" + secret_key.encode()).digest())


@cache
def _keys() -> tuple[Fernet, ...]:
    keys = [k.encode() for k in settings.FIELD_ENCRYPTION_KEYS] or [derived_key(settings.SECRET_KEY)]
    return tuple(Fernet(k) for k in keys)


@cache
def _fernet() -> MultiFernet:
    return MultiFernet(list(_keys()))


class Sealed(str):
    """A value that is already sealed: passed as an event's secret field, it is stored as is
    instead of being sealed a second time (``realtime.events``)."""


def seal(plain: str) -> str:
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed.startswith(PREFIX):
        raise SecretUnreadable("not a sealed value")
    try:
        return _fernet().decrypt(sealed[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("no configured key opens this value") from exc


def reseal(sealed: str) -> str:
    """The same secret sealed with the current first key (for key rotation)."""
    if not sealed.startswith(PREFIX):
        raise SecretUnreadable("not a sealed value")
    try:
        return PREFIX + _fernet().rotate(sealed[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("no configured key opens this value") from exc


def valid_key(value: str) -> bool:
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        return False
    return True


def reset_keys() -> None:
    """Forget the cached keys (tests that change ``FIELD_ENCRYPTION_KEYS``)."""
    _keys.cache_clear()
    _fernet.cache_clear()


def sealed_with_current_key(sealed: str) -> bool:
    """Whether the first key of ``FIELD_ENCRYPTION_KEYS`` opens it (no reseal needed)."""
    try:
        _keys()[0].decrypt(sealed[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True
