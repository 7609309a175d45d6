"""Demo data for `make run`: one organization with one login per role. Idempotent."""

from __future__ import annotations

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
