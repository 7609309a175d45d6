"""Organizations, members and their access tokens (Django must be set up: environment.setup)."""

from __future__ import annotations

import itertools
import uuid

from core.auth import issue_tokens
from core.models import Membership, Organization, User
from core.roles import Role

_batch = itertools.count()
_run = uuid.uuid4().hex[:6]


def organizations(count: int = 1, *, slug: str = "bench") -> tuple[list[Organization], list[str]]:
    """``count`` organizations, each with an admin (as ``core.services.tenant_create`` makes
    them, without hashing a password nobody types); returns them and the admins' tokens."""
    tenants, tokens = [], []
    for n in range(count):
        tenant = organization(f"{slug}-{n}", f"Bench {n}")
        tenants.append(tenant)
        tokens.append(token(member(tenant, Role.ADMIN, f"{slug}-owner-{n}")))
    return tenants, tokens


def organization(slug: str, name: str = "") -> Organization:
    """An organization with nobody in it yet."""
    return Organization.objects.create(slug=slug, name=name or slug.replace("-", " ").capitalize())


def members(tenant: Organization, role: str, count: int, *, prefix: str = "") -> list[Membership]:
    """``count`` new members (no password: the bench signs them in with tokens). Their user names
    are ``<prefix>-<n>`` when a prefix is given, unique ones otherwise."""
    if count <= 0:
        return []
    # The process's own tag too: a run on a kept database (``--keep``) adds to an earlier run's.
    tag = prefix or f"bench-{role}-{tenant.pk}-{_run}-{next(_batch)}"
    users = User.objects.bulk_create(User(username=f"{tag}-{n}", password="!") for n in range(count))
    return Membership.objects.bulk_create(Membership(tenant=tenant, user=u, role=role) for u in users)


def member(tenant: Organization, role: str, username: str) -> Membership:
    return members(tenant, role, 1, prefix=username)[0]


def existing(tenant_id: int, role: str, limit: int | None = None) -> list[Membership]:
    """The organization's members of ``role``, oldest first."""
    found = Membership.objects.filter(tenant_id=tenant_id, role=role).select_related("user").order_by("pk")
    return list(found[:limit] if limit is not None else found)


def token(membership: Membership) -> str:
    return str(issue_tokens(membership=membership).access_token)


def tokens(memberships: list[Membership]) -> list[str]:
    return [token(m) for m in memberships]
