"""The kitchen follows the stock ledger through its signals (stock never imports the kitchen)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from domains.kitchen import services, tasks
from domains.stock.api import levels_changed, product_retiring


@receiver(levels_changed)
def portions_follow_stock(sender: Any, *, tenant_id: int, product_ids: list[int], **kwargs: Any) -> None:
    transaction.on_commit(partial(tasks.request_portions_refresh, tenant_id=tenant_id, product_ids=product_ids))


@receiver(product_retiring)
def keep_products_recipes_use(sender: Any, *, product: Any, **kwargs: Any) -> None:
    services.refuse_retiring_product(product.pk)
