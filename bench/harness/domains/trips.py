"""An agent-day's trips and stops, for the benches."""

from __future__ import annotations

import random
from datetime import date, timedelta

from core.models import Organization
from domains.trips import selectors


def day_movement(tenant: Organization, agent_id: int, day: date) -> dict[str, int]:
    """One agent-day's trips and stops, as ``GET …/trips/`` computes them."""
    found = selectors.day_movement(tenant=tenant, agent_id=agent_id, day=day)
    return {"points": found["points"], "trips": len(found["trips"]), "stops": len(found["stops"])}


def random_day(rng: random.Random, first: date, days: int) -> date:
    return first + timedelta(days=rng.randrange(days))
