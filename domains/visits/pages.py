"""The console pages of visits (``core.console.pages``): a template and an ES module each, in
``templates/visits/pages/`` and ``static/visits/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

AGENT = page("agent", title=_("My route"), capability="locations.report", order=70)
MAP = page("map", title=_("Field map"), capability="locations.view", order=90)
