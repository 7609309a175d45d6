"""The console pages of alarms (``core.console.pages``): a template and an ES module each, in
``templates/alarms/pages/`` and ``static/alarms/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

ALARMS = page("alarms", title=_("Alarms"), capability="alarms.view", order=100)
