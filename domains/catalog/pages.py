"""The console pages of catalog (``core.console.pages``): a template and an ES module each, in
``templates/catalog/pages/`` and ``static/catalog/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

CATALOG = page("catalog", title=_("Catalog"), capability="catalog.view", order=80)
