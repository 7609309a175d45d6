"""The console pages of webhooks (``core.console.pages``): a template and an ES module each, in
``templates/webhooks/pages/`` and ``static/webhooks/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

WEBHOOKS = page("webhooks", title=_("Webhooks"), capability="webhooks.manage", order=130)
