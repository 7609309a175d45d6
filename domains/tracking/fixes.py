"""A fix: one validated GPS point as the phone or tracker app sent it, before it is judged. The
live frame, the REST upload and the tracker apps all read their input into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Fix:
    """One validated point as the phone sent it; ``index`` is its place in the request."""

    index: int
    recorded_at: datetime
    lat: float
    lon: float
    accuracy: float | None = None
    speed: float | None = None
    heading: float | None = None
    battery: int | None = None
    client_id: str = ""
    altitude: float | None = None
    valid: bool = True  # a tracker app's own verdict on its fix (OsmAnd's ``valid``)
    attributes: dict | None = None  # what a tracker app sent besides the fix

    @property
    def key(self) -> tuple[datetime, str]:
        return self.recorded_at, self.client_id
