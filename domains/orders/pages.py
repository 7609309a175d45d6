"""The console pages of orders (``core.console.pages``): a template and an ES module each, in
``templates/orders/pages/`` and ``static/orders/pages/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.console.pages import page

ORDER = page("order", title=_("Order"), capability="orders.place", order=50)
OPERATOR = page("operator", title=_("Orders desk"), capability="orders.manage", order=60)
