"""Roles and what each may do: fixed in code, one matrix, documented in docs/permissions.md.

Views ask for a capability, never for a role, so the matrix is the single place to read or
change who may do what. A membership with a role missing from ``Role`` grants nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    COOK = "cook", _("Cook")
    CASHIER = "cashier", _("Cashier")
    AGENT = "agent", _("Field agent")
    VIEWER = "viewer", _("Viewer")
    CUSTOMER = "customer", _("Customer")


A, M, CO, CA, AG, V, CU = (
    Role.ADMIN,
    Role.MANAGER,
    Role.COOK,
    Role.CASHIER,
    Role.AGENT,
    Role.VIEWER,
    Role.CUSTOMER,
)
STAFF = frozenset({A, M, CO, CA, AG, V})

# capability -> (roles that hold it, what it allows). Admin holds every capability.
CAPABILITIES: dict[str, tuple[frozenset[Role], str]] = {
    "tenant.view": (STAFF, "Read the organization's profile and settings"),
    "tenant.manage": (frozenset({A}), "Change the organization's profile and settings"),
    "members.view": (frozenset({A, M}), "List staff and customers of the organization"),
    "members.manage": (frozenset({A}), "Invite members, change roles, deactivate members"),
    "stock.view": (frozenset({A, M, V}), "See products, stock levels and the ledger"),
    "stock.manage": (frozenset({A, M}), "Create products, record deliveries and adjustments"),
    "kitchen.serve": (frozenset({A, M, CO}), "Serve meals (deducts ingredients)"),
    "kitchen.view": (frozenset({A, M, CO, V}), "See meals, recipes and portions possible"),
    "kitchen.manage": (frozenset({A, M}), "Edit meals and recipes"),
    "analytics.view": (frozenset({A, M, V}), "Reports, charts and monthly variance"),
    "alarms.view": (frozenset({A, M}), "See variance and operational alarms"),
    "alarms.acknowledge": (frozenset({A, M}), "Acknowledge alarms"),
    "orders.place": (frozenset({A, M, CU}), "Place digital orders"),
    "orders.view_own": (frozenset({A, M, CU}), "See one's own orders and their PINs"),
    "orders.view_all": (frozenset({A, M, V}), "Orders overview for the whole organization"),
    "orders.view_pins": (frozenset({A, M}), "See PINs of any order of the organization"),
    "orders.manage": (frozenset({A, M}), "Retry or cancel orders"),
    "sales.record": (frozenset({A, M, CA}), "Record sales and returns"),
    "sales.view": (frozenset({A, M, CA, V}), "See sales"),
    "expenses.manage": (frozenset({A, M}), "Record and edit expenses"),
    "shops.manage": (frozenset({A}), "Create stores and branches, assign staff"),
    "clients.view_all": (frozenset({A, M, V}), "See every client"),
    "clients.view_assigned": (frozenset({A, M, AG}), "See clients assigned to oneself"),
    "clients.manage": (frozenset({A, M}), "Create, edit and assign clients"),
    "visits.own": (frozenset({A, M, AG}), "Plan, check in to and out of one's own visits"),
    "visits.view_all": (frozenset({A, M, V}), "See every agent's visits"),
    "locations.report": (frozenset({A, M, AG}), "Send one's own GPS fixes"),
    "locations.view": (frozenset({A, M, V}), "See agents' live positions and tracks"),
    "devices.manage": (frozenset({A, M}), "Make and revoke tracker-app tokens for any agent"),
    "geofences.manage": (frozenset({A, M}), "Draw territories and zones, and assign them to agents"),
    "references.manage": (frozenset({A}), "Edit reference dictionaries"),
    "catalog.view": (frozenset({A, M, AG, V}), "Browse the e-catalog: products, prices and stock levels"),
    "catalog.manage": (frozenset({A, M}), "Add and remove products' pictures (the rest comes from 1C)"),
    "onec.manage": (frozenset({A}), "Connect 1C, run and watch its exchanges"),
    "notifications.manage": (
        frozenset({A}),
        "Connect the Telegram bot and SMS gateway, write notification rules, read the log",
    ),
    "notifications.own": (
        frozenset({A, M, CO, CA, AG, V, CU}),
        "Set one's own notification language, quiet hours and channels",
    ),
    "webhooks.manage": (frozenset({A}), "Register webhook endpoints, read their delivery log, replay deliveries"),
    "field_orders.place": (frozenset({A, M, AG}), "Take clients' orders from the e-catalog (sent to 1C)"),
    "realtime.connect": (STAFF | {CU}, "Open the live WebSocket"),
    "realtime.monitor": (frozenset({A}), "See the organization's live sockets, streams and outbox lag"),
}


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
    if known is Role.ADMIN:
        return capability in CAPABILITIES
    entry = CAPABILITIES.get(capability)
    return entry is not None and known in entry[0]


def capabilities_of(role: str | None) -> list[str]:
    return sorted(c for c in CAPABILITIES if has_capability(role, c))


def permission_matrix_markdown() -> str:
    """The matrix as the Markdown table that docs/permissions.md embeds (a test keeps them equal)."""
    roles = list(Role)
    header = "| capability | " + " | ".join(r.value for r in roles) + " | allows |"
    rule = "|---|" + "---|" * len(roles) + "---|"
    rows = [
        f"| `{cap}` | " + " | ".join("✓" if has_capability(r, cap) else "" for r in roles) + f" | {text} |"
        for cap, (_, text) in CAPABILITIES.items()
    ]
    return "\n".join([header, rule, *rows]) + "\n"


def roles_with(capability: str) -> list[str]:
    """Every role holding ``capability``: how an emitter narrows an event to those who may see it."""
    return [r.value for r in Role if has_capability(r, capability)]
