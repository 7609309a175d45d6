"""The console pages of realtime (``core.console.pages``): a template and an ES module each, in
``templates/realtime/pages/`` and ``static/realtime/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

OPERATIONS = page("operations", title=_("Operations"), capability="realtime.monitor", order=110)
