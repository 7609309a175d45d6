"""The console's pages: which capability opens each, and where a member lands after login.

A page is only a shell; its data comes from the REST API, which enforces the same capabilities
again, so hiding a page is a convenience and never the protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.roles import has_capability


@dataclass(frozen=True)
class Page:
    slug: str
    title: Promise
    capability: str

    @property
    def template(self) -> str:
        return f"console/pages/{self.slug}.html"

    @property
    def script(self) -> str:
        return f"console/pages/{self.slug}.js"


# In the order of the navigation bar; the first a role may open is its home page.
PAGES: tuple[Page, ...] = (
    Page("kitchen", _("Kitchen"), "kitchen.view"),
    Page("till", _("Till"), "sales.record"),
    Page("shop", _("Shop"), "sales.view"),
    Page("shop-reports", _("Shop reports"), "expenses.manage"),
    Page("order", _("Order"), "orders.place"),
    Page("operator", _("Orders desk"), "orders.manage"),
    Page("agent", _("My route"), "locations.report"),
    Page("catalog", _("Catalog"), "catalog.view"),
    Page("map", _("Field map"), "locations.view"),
    Page("alarms", _("Alarms"), "alarms.view"),
    Page("operations", _("Operations"), "realtime.monitor"),
    Page("onec", _("1C exchange"), "onec.manage"),
    Page("webhooks", _("Webhooks"), "webhooks.manage"),
    Page("notifications", _("Notifications"), "notifications.own"),
)
BY_SLUG = {page.slug: page for page in PAGES}


def pages_for(role: str | None) -> list[Page]:
    return [page for page in PAGES if has_capability(role, page.capability)]


def home_for(role: str | None) -> Page | None:
    # A manager is a kitchen manager first; an agent's home is the route, not the map.
    allowed = pages_for(role)
    return allowed[0] if allowed else None
