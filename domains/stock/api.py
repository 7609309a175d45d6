"""Stock's door: all that other domains may use of it (docs/architecture.md).

- the rows they point at: ``Product``;
- writing the ledger in their own transaction: ``lock_balances`` with ``Change`` (and the
  ``Posting`` it returns), ``MovementKind``, ``Unit``, ``qty``, ``InsufficientStock``; a branch's
  low-stock line (``branch_minimum``);
- reading it as plain data: what a source took (``taken_by``, ``Taken``), a period's flows per
  product (``period_flows``, ``PeriodFlows``), which products sources moved
  (``products_moved_by_sources``), daily series (``movement_series``), balances at branches
  (``branch_levels``, ``branch_holds_stock``);
- what it tells: the event other domains follow (``STOCK_LEVEL_CHANGED``) and the signal a
  product sends before it is retired (``product_retiring``).

Demo data of other domains writes through stock's services like any caller (their ``demo``
modules may import them; pyproject.toml), never through this door.
"""

from __future__ import annotations

from domains.stock.events import LEVEL_CHANGED
from domains.stock.models import MovementKind, Product, Unit
from domains.stock.selectors import (
    PeriodFlows,
    Taken,
    branch_holds_stock,
    branch_levels,
    movement_series,
    period_flows,
    products_moved_by_sources,
    taken_by,
    taken_from,
)
from domains.stock.services import Change, InsufficientStock, Posting, branch_minimum, lock_balances, qty
from domains.stock.signals import product_retiring

STOCK_LEVEL_CHANGED = LEVEL_CHANGED.name  # the event other apps follow (realtime.fanout)

__all__ = [
    "STOCK_LEVEL_CHANGED",
    "Change",
    "InsufficientStock",
    "MovementKind",
    "PeriodFlows",
    "Posting",
    "Product",
    "Taken",
    "Unit",
    "branch_holds_stock",
    "branch_levels",
    "branch_minimum",
    "lock_balances",
    "movement_series",
    "period_flows",
    "product_retiring",
    "products_moved_by_sources",
    "qty",
    "taken_by",
    "taken_from",
]
