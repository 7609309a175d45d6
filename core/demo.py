# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo data for `make run`: one organization with one login per role. Idempotent.

The demo organization is an Uzbek one: its people, products, meals, clients and checklists are
named in Uzbek (as its own staff would type them), whatever language the console is read in."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation

from core import services
from core.discovery import import_app_modules
from core.models import Membership, Organization, User
from core.roles import Role
from core.seeding import SEEDING

DEMO_SLUG = "demo"
DEMO_PASSWORD = "oqim-demo-pass"
DEMO_LANGUAGE = "uz"  # what defaults the services name in the active language (e.g. expense categories) are in
DEMO_PEOPLE = {  # first and last name of each demo login
    Role.ADMIN: ("Akmal", "Rahimov"),
    Role.MANAGER: ("Aziza", "Karimova"),
    Role.COOK: ("Gulnora", "Toshpoʻlatova"),
    Role.CASHIER: ("Dilnoza", "Yusupova"),
    Role.AGENT: ("Bobur", "Aliyev"),
    Role.VIEWER: ("Sardor", "Qodirov"),
    Role.CUSTOMER: ("Jasur", "Ergashev"),
}


def demo_username(role: Role) -> str:
    return f"demo-{role.value}"


@transaction.atomic
def seed_demo() -> tuple[Organization, list[tuple[str, str, bool]]]:
    """Create what is missing; never duplicate, never reset a changed password.

    Returns the tenant and (username, role, created) for each demo login.
    """
    token = SEEDING.set(True)
    try:
        with translation.override(DEMO_LANGUAGE):
            return _seed()
    finally:
        SEEDING.reset(token)


def _seed() -> tuple[Organization, list[tuple[str, str, bool]]]:
    tenant, _ = Organization.objects.get_or_create(slug=DEMO_SLUG, defaults={"name": "Oqim Demo"})
    logins = []
    for role in Role:
        username = demo_username(role)
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            first, last = DEMO_PEOPLE[role]
            user = services.user_create(username=username, password=DEMO_PASSWORD, first_name=first, last_name=last)
        if not Membership.objects.filter(tenant=tenant, user=user).exists():
            Membership.objects.create(tenant=tenant, user=user, role=role)
            created = True
        logins.append((username, role.value, created))
    # Each domain adds its own demo rows (``<app>.demo.seed(tenant)``), idempotently; then what
    # follows from them is settled (``settle``: the events' fan-out, as a worker would).
    modules = [module for module in import_app_modules("demo") if module.__name__ != __name__]
    for module in modules:
        if hasattr(module, "seed"):
            module.seed(tenant)
    for module in modules:
        if hasattr(module, "settle"):
            module.settle(tenant)
    return tenant, logins


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Write demo history as it would have been written at ``moment``: the clock every service
    reads (``django.utils.timezone.now``) is set back, so rows, ledger times and events are dated
    then through the services themselves. Only for seeding, which runs alone in its process."""
    offset = timezone.now() - moment
    real = timezone.now
    timezone.now = lambda: real() - offset  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small valid PNG, so the demo's photos open in any viewer."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
