"""The point filters: deciding, point by point, what a batch of fixes from one agent becomes: a
new track point, a point filtered out (kept for the audit, with its reason), a duplicate of one
already stored, or refused because no partition may hold its date. Pure: the caller
(``services/recording.py``) loads and stores.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domains.tracking.fixes import Fix
from domains.tracking.geo import distance_m
from domains.tracking.models import FieldSettings, FilterReason


@dataclass(frozen=True, slots=True)
class Anchor:
    """A stored accepted fix: what the next fix's duplicate and speed checks compare against."""

    recorded_at: datetime
    lat: float
    lon: float


@dataclass
class Verdicts:
    stored: list[tuple[Fix, str]] = field(default_factory=list)  # (fix, filter reason or "")
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)  # [{"index", "code"}]

    @property
    def accepted(self) -> list[Fix]:
        return [fix for fix, reason in self.stored if not reason]

    @property
    def filtered(self) -> Counter:
        return Counter(reason for _fix, reason in self.stored if reason)


def judge(
    fixes: list[Fix],
    *,
    rules: FieldSettings,
    now: datetime,
    window: tuple[datetime, datetime],
    stored_keys: set[tuple[datetime, str]],
    anchors: list[Anchor],
) -> Verdicts:
    """``stored_keys`` are the (recorded_at, client_id) already stored in the fixes' time span;
    ``anchors`` the accepted stored fixes from just before that span to its end, oldest first."""
    verdicts = Verdicts()
    seen: set[tuple[datetime, str]] = set()
    previous: Anchor | None = None
    pending = iter(anchors)
    upcoming = next(pending, None)
    for fix in sorted(fixes, key=lambda f: (f.recorded_at, f.client_id)):
        if fix.key in stored_keys or fix.key in seen:
            verdicts.duplicates += 1
            continue
        if not window[0] <= fix.recorded_at < window[1]:
            verdicts.rejected.append({"index": fix.index, "code": "out_of_window"})
            continue
        seen.add(fix.key)
        while upcoming is not None and upcoming.recorded_at <= fix.recorded_at:
            previous, upcoming = upcoming, next(pending, None)
        reason = _filter_reason(fix, previous, rules, now)
        verdicts.stored.append((fix, reason))
        if not reason:
            previous = Anchor(fix.recorded_at, fix.lat, fix.lon)
    return verdicts


def _filter_reason(fix: Fix, previous: Anchor | None, rules: FieldSettings, now: datetime) -> str:
    """The first Traccar-style filter the fix trips, or "" to keep it in the track."""
    if rules.filter_invalid and not (fix.valid and -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180):
        return FilterReason.INVALID
    if rules.filter_zero and fix.lat == 0 and fix.lon == 0:
        return FilterReason.ZERO
    if rules.filter_future_seconds is not None and fix.recorded_at > now + timedelta(
        seconds=rules.filter_future_seconds
    ):
        return FilterReason.FUTURE
    if rules.filter_accuracy_m is not None and fix.accuracy is not None and fix.accuracy > rules.filter_accuracy_m:
        return FilterReason.ACCURACY
    if previous is None:
        return ""
    seconds = (fix.recorded_at - previous.recorded_at).total_seconds()
    if seconds <= 0:
        return FilterReason.DUPLICATE if rules.filter_duplicate else ""
    if rules.filter_max_speed_kmh is not None:
        kmh = distance_m(previous.lat, previous.lon, fix.lat, fix.lon) / seconds * 3.6
        if kmh > rules.filter_max_speed_kmh:
            return FilterReason.SPEED
    return ""
