"""Roles, and the capabilities every app declares for them: one matrix, documented in
docs/permissions.md.

Views ask for a capability, never for a role. Each app declares its own capabilities, and which
roles hold them, in its ``capabilities`` module (``capability(...)``); they are found at start-up
the way urls and events are. A membership with a role missing from ``Role`` grants nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.discovery import Declarations


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    COOK = "cook", _("Cook")
    CASHIER = "cashier", _("Cashier")
    AGENT = "agent", _("Field agent")
    VIEWER = "viewer", _("Viewer")
    CUSTOMER = "customer", _("Customer")


STAFF = frozenset(Role) - {Role.CUSTOMER}
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Capability:
    name: str  # "<area>.<verb>": "stock.view"
    roles: frozenset[Role]  # who holds it besides the admin, who holds every capability
    text: str  # what it allows, as docs/permissions.md says it
    module: str  # the module that declared it


# capability name -> Capability, in INSTALLED_APPS order, then declaration order.
CAPABILITIES: Declarations[Capability] = Declarations("capabilities")


def capability(name: str, *, roles: Iterable[Role], text: str) -> str:
    """Declare a capability (at import of an app's ``capabilities`` module); returns its name."""
    if name in CAPABILITIES.own:
        raise ValueError(f"Capability {name!r} is declared twice")
    module = sys._getframe(1).f_globals.get("__name__", "")
    CAPABILITIES.own[name] = Capability(name=name, roles=frozenset(roles), text=text, module=module)
    return name


def role_from(value: str | None) -> Role | None:
    """The Role for a stored value, or None for anything unknown (which then grants nothing)."""
    try:
        return Role(value) if value else None
    except ValueError:
        return None


def has_capability(role: str | None, capability: str) -> bool:
    known = role_from(role)
    if known is None:
        return False
    entry = CAPABILITIES.get(capability)
    return entry is not None and (known is Role.ADMIN or known in entry.roles)


def capabilities_of(role: str | None) -> list[str]:
    return sorted(c for c in CAPABILITIES if has_capability(role, c))


def permission_matrix_markdown(*, skip: str | None = None) -> str:
    """The matrix as the Markdown table that docs/permissions.md embeds (a test keeps them equal).
    ``skip``: leave out capabilities declared under this package (the test suite's own apps)."""
    roles = list(Role)
    header = "| capability | " + " | ".join(r.value for r in roles) + " | allows |"
    rule = "|---|" + "---|" * len(roles) + "---|"
    rows = [
        f"| `{cap.name}` | {' | '.join('✓' if has_capability(r, cap.name) else '' for r in roles)} | {cap.text} |"
        for cap in CAPABILITIES.values()
        if not (skip and cap.module.startswith(skip))
    ]
    return "\n".join([header, rule, *rows]) + "\n"


def roles_with(capability: str) -> list[str]:
    """Every role holding ``capability``: how an emitter narrows an event to those who may see it."""
    return [r.value for r in Role if has_capability(r, capability)]
