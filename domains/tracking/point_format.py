"""The wire format of a GPS point, shared by the live ``location`` frame and the REST upload.

Hand-written rather than a DRF serializer: at thousands of points a second, a serializer per
point would cost more than storing it. Errors have DRF's shape, with dotted field paths
(``points.3.lat``), so both transports report them like every other 400.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from rest_framework.exceptions import ErrorDetail, ValidationError

from core.strict_fields import OutOfRange, in_range
from domains.tracking.fixes import Fix

FIELDS = {"recorded_at", "lat", "lon", "accuracy", "speed", "heading", "battery", "id"}


def _fail(path: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({path: [ErrorDetail(message, code=code)]})


def _number(point: dict, name: str, path: str, *, required: bool, low: float | None = None, high: float | None = None):  # type: ignore[no-untyped-def]
    value = point.get(name)
    if value is None:
        if required:
            raise _fail(f"{path}.{name}", "This field is required.", "required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{path}.{name}", "A finite number is required.")
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(f"{path}.{name}", f"Must be between {low:g} and {high:g}.", "out_of_range")
    return float(value)


def parse_points(raw: Any, *, limit: int) -> list[Fix]:
    """Validate a list of points; raises ``ValidationError`` naming the first bad field.

    Coordinates out of ±90/±180 are not an error here: they are the ``invalid`` filter's to
    count, like Traccar does, so a phone with a broken GPS shows up in the audit.
    """
    if not isinstance(raw, list) or not raw:
        raise _fail("points", "A non-empty list of points is required.", "required")
    if len(raw) > limit:
        raise _fail("points", f"At most {limit} points per request.", "too_many")
    fixes = []
    for index, point in enumerate(raw):
        path = f"points.{index}"
        if not isinstance(point, dict):
            raise _fail(path, "A point is an object.")
        unknown = set(point) - FIELDS
        if unknown:
            raise _fail(f"{path}.{sorted(unknown)[0]}", "Unknown field.", "unknown_field")
        stamp = point.get("recorded_at")
        if not isinstance(stamp, str):
            raise _fail(f"{path}.recorded_at", "An ISO 8601 time with its offset is required.", "required")
        try:
            recorded_at = datetime.fromisoformat(stamp)
        except ValueError:
            raise _fail(f"{path}.recorded_at", "Not an ISO 8601 time.") from None
        if recorded_at.tzinfo is None:
            raise _fail(f"{path}.recorded_at", "Give the UTC offset (Z or +05:00).", "naive_time")
        try:
            recorded_at = in_range(recorded_at)
        except OutOfRange as exc:
            raise _fail(f"{path}.recorded_at", str(exc), "out_of_range") from None
        client_id = point.get("id", "")
        if not isinstance(client_id, str) or len(client_id) > 64:
            raise _fail(f"{path}.id", "A string of at most 64 characters.")
        battery = point.get("battery")
        if battery is not None and (
            isinstance(battery, bool) or not isinstance(battery, int) or not 0 <= battery <= 100
        ):
            raise _fail(f"{path}.battery", "A whole percentage from 0 to 100.")
        fixes.append(
            Fix(
                index=index,
                recorded_at=recorded_at,
                lat=_number(point, "lat", path, required=True),
                lon=_number(point, "lon", path, required=True),
                accuracy=_number(point, "accuracy", path, required=False, low=0, high=1e6),
                speed=_number(point, "speed", path, required=False, low=0, high=1e4),
                heading=_number(point, "heading", path, required=False, low=0, high=360),
                battery=battery,
                client_id=client_id,
            )
        )
    return fixes
