"""The kitchen keeps products its recipes use from being retired (stock never imports the kitchen)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from domains.kitchen import services
from domains.stock.api import product_retiring


@receiver(product_retiring)
def keep_products_recipes_use(sender: Any, *, product: Any, **kwargs: Any) -> None:
    services.refuse_retiring_product(product.pk)
