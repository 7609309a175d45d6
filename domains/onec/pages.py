"""The console pages of onec (``core.console.pages``): a template and an ES module each, in
``templates/onec/pages/`` and ``static/onec/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

ONEC = page("onec", title=_("1C exchange"), capability="onec.manage", order=120)
