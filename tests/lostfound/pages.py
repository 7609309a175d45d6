"""The lost-and-found book's console page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

LOSTFOUND = page("lostfound", title=_("Lost and found"), capability="lostfound.view", order=150)
