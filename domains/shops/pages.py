"""The console pages of shops (``core.console.pages``): a template and an ES module each, in
``templates/shops/pages/`` and ``static/shops/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

TILL = page("till", title=_("Till"), capability="sales.record", order=20)
SHOP = page("shop", title=_("Shop"), capability="sales.view", order=30)
SHOP_REPORTS = page("shop-reports", title=_("Shop reports"), capability="expenses.manage", order=40)
