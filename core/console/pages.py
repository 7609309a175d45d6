"""The console's pages: each app declares its own in its ``pages`` module (template, ES module,
navigation entry); the shell finds them at start-up and names none.

A page is only a shell; its data comes from the REST API, which enforces the same capabilities
again, so hiding a page is a convenience and never the protection.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import Promise

from core.discovery import Declarations
from core.roles import has_capability


@dataclass(frozen=True)
class Page:
    slug: str  # its URL: /console/<slug>/
    title: Promise | str
    capability: str  # who may open it
    order: int  # its place in the navigation bar; a member's home is the first they may open
    app_label: str
    module: str  # the module that declared it

    @property
    def template(self) -> str:
        """``<app>/templates/<label>/pages/<slug>.html``, extending ``console/base.html``."""
        return f"{self.app_label}/pages/{self.slug}.html"

    @property
    def script(self) -> str:
        """``<app>/static/<label>/pages/<slug>.js``, an ES module importing ``console/app.js``."""
        return f"{self.app_label}/pages/{self.slug}.js"


PAGES: Declarations[Page] = Declarations("pages")


def page(slug: str, *, title: Promise | str, capability: str, order: int) -> Page:
    """Declare a console page (at import of an app's ``pages`` module)."""
    if slug in PAGES.own:
        raise ValueError(f"Console page {slug!r} is declared twice")
    module = sys._getframe(1).f_globals.get("__name__", "")
    config = apps.get_containing_app_config(module)
    if config is None:
        raise ValueError(f"Console page {slug!r} is declared outside an installed app ({module})")
    PAGES.own[slug] = found = Page(slug, title, capability, order, config.label, module)
    return found


def pages_for(role: str | None) -> list[Page]:
    """The pages this role may open, in navigation order."""
    return sorted((p for p in PAGES.values() if has_capability(role, p.capability)), key=lambda p: (p.order, p.slug))


def home_for(role: str | None) -> Page | None:
    allowed = pages_for(role)
    return allowed[0] if allowed else None
