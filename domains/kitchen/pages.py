"""The console pages of kitchen (``core.console.pages``): a template and an ES module each, in
``templates/kitchen/pages/`` and ``static/kitchen/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

KITCHEN = page("kitchen", title=_("Kitchen"), capability="kitchen.view", order=10)
