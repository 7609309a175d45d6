"""Demo data for `make run`: one organization with one login per role. Idempotent."""

from __future__ import annotations

import struct
import zlib

from django.db import transaction

from core import services
from core.discovery import import_app_modules
from core.models import Membership, Organization, User
from core.roles import Role

DEMO_SLUG = "demo"
DEMO_PASSWORD = "oqim-demo-pass"


def demo_username(role: Role) -> str:
    return f"demo-{role.value}"


@transaction.atomic
def seed_demo() -> tuple[Organization, list[tuple[str, str, bool]]]:
    """Create what is missing; never duplicate, never reset a changed password.

    Returns the tenant and (username, role, created) for each demo login.
    """
    tenant, _ = Organization.objects.get_or_create(slug=DEMO_SLUG, defaults={"name": "Demo Kitchen & Shop"})
    logins = []
    for role in Role:
        username = demo_username(role)
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            user = services.user_create(username=username, password=DEMO_PASSWORD)
        if not Membership.objects.filter(tenant=tenant, user=user).exists():
            Membership.objects.create(tenant=tenant, user=user, role=role)
            created = True
        logins.append((username, role.value, created))
    # Each domain adds its own demo rows (``<app>.demo.seed(tenant)``), idempotently.
    for module in import_app_modules("demo"):
        if module.__name__ != __name__:
            module.seed(tenant)
    return tenant, logins


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small valid PNG, so the demo's photos open in any viewer."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
