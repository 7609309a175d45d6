"""Whether the demo is being seeded (``core.demo.seed_demo``): what it records is shown like any
change, but announced to no person (no Telegram, e-mail or SMS for the "low stock" of a pantry
being stocked). A module of its own so the event layer reads it before apps load."""

from __future__ import annotations

from contextvars import ContextVar

SEEDING: ContextVar[bool] = ContextVar("oqim_seeding", default=False)
