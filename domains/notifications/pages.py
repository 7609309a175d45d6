"""The console pages of notifications (``core.console.pages``): a template and an ES module each, in
``templates/notifications/pages/`` and ``static/notifications/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

NOTIFICATIONS = page("notifications", title=_("Notifications"), capability="notifications.own", order=140)
