"""Positions from the tracker apps people already use, each read into the device's token and one
``Fix``:

- the OsmAnd protocol (Traccar Client, OsmAnd's online tracking, many others), a GET query or a
  POST form, with the parameters as Traccar's ``OsmAndProtocolDecoder`` reads them;
- the JSON body Traccar Client 9+ posts (``location.coords``, ``battery.level`` 0 to 1);
- OwnTracks' JSON (``_type: location``), over HTTP or MQTT.

Errors have the points' shape (``point_format.py``), naming the parameter at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.strict_fields import OutOfRange, in_range
from domains.tracking.fixes import Fix

KNOT = 0.514444  # metres per second
MAX_ATTRIBUTES, MAX_KEY, MAX_VALUE = 30, 64, 256
TOKEN_KEYS = ("id", "deviceid")
OSMAND_KEYS = {
    *TOKEN_KEYS,
    "timestamp",
    "lat",
    "lon",
    "location",
    "speed",
    "bearing",
    "heading",
    "altitude",
    "accuracy",
    "batt",
    "valid",
}


def _fail(name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({name: [ErrorDetail(message, code=code)]})


def _number(value: Any, name: str, *, low: float | None = None, high: float | None = None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _fail(name, "A number is required.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(name, "A number is required.") from None
    if not math.isfinite(number):
        raise _fail(name, "A finite number is required.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _fail(name, f"Must be between {low:g} and {high:g}.", "out_of_range")
    return number


def _required(value: float | None, name: str) -> float:
    if value is None:
        raise _fail(name, "This field is required.", "required")
    return value


def timestamp(value: Any, name: str = "timestamp") -> datetime:
    """Unix seconds or milliseconds (as Traccar: below 2^31 it is seconds), ISO 8601, or
    ``yyyy-MM-dd HH:mm:ss``; a time without an offset is UTC. None or "" is now."""
    if value is None or value == "":
        return timezone.now()
    text = str(value).strip()
    try:
        if text.replace(".", "", 1).isdigit():
            number = float(text)
            moment = datetime.fromtimestamp(number if number < 2**31 else number / 1000, UTC)
        else:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except (ValueError, OverflowError, OSError):
        raise _fail(name, "Unix seconds or milliseconds, ISO 8601, or yyyy-MM-dd HH:mm:ss.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return in_range(moment)
    except OutOfRange as exc:
        raise _fail(name, str(exc), "out_of_range") from None


def _attributes(values: Mapping[str, Any], known: set[str]) -> dict[str, Any] | None:
    """What the app sent besides the fix, kept with the point (bounded: it is the app's, not ours)."""
    extra = {}
    for key, value in values.items():
        if key in known or len(extra) >= MAX_ATTRIBUTES:
            continue
        if isinstance(value, bool | int | float) and not (isinstance(value, float) and not math.isfinite(value)):
            extra[str(key)[:MAX_KEY]] = value
        elif isinstance(value, str):
            extra[str(key)[:MAX_KEY]] = value[:MAX_VALUE]
    return extra or None


def _valid(value: Any) -> bool:
    return str(value).strip().lower() not in ("false", "0", "no")


def _battery(value: Any, name: str, *, fraction: bool = False) -> int | None:
    level = _number(value, name, low=0, high=1 if fraction else 100)
    return None if level is None else round(level * 100 if fraction else level)


def from_osmand(params: Mapping[str, Any]) -> tuple[str, Fix]:
    """One OsmAnd-protocol request (query and form merged): the token and the fix."""
    token = next((str(params[k]) for k in TOKEN_KEYS if params.get(k)), "")
    if not token:
        raise _fail("id", "The device's token is required (id or deviceid).", "required")
    lat, lon = _number(params.get("lat"), "lat"), _number(params.get("lon"), "lon")
    if params.get("location"):
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise _fail("location", "Give location as lat,lon.")
        lat, lon = _number(parts[0], "location"), _number(parts[1], "location")
    speed = _number(params.get("speed"), "speed", low=0, high=1e4)
    heading = params.get("bearing", params.get("heading"))
    return token, Fix(
        index=0,
        recorded_at=timestamp(params.get("timestamp")),
        lat=_required(lat, "lat"),
        lon=_required(lon, "lon"),
        accuracy=_number(params.get("accuracy"), "accuracy", low=0, high=1e6),
        speed=None if speed is None else speed * KNOT,
        heading=_number(heading, "bearing", low=0, high=360),
        battery=_battery(params.get("batt"), "batt"),
        altitude=_number(params.get("altitude"), "altitude", low=-1e5, high=1e6),
        valid=_valid(params.get("valid", "true")),
        attributes=_attributes(params, OSMAND_KEYS),
    )


def from_traccar_json(body: Mapping[str, Any]) -> tuple[str, Fix]:
    """Traccar Client 9+'s JSON: ``device_id``, and ``location`` with ``coords`` (speed in m/s)."""
    token = body.get("device_id")
    if not isinstance(token, str) or not token:
        raise _fail("device_id", "The device's token is required.", "required")
    location = body.get("location")
    coords = location.get("coords") if isinstance(location, Mapping) else None
    if not isinstance(coords, Mapping):
        raise _fail("location.coords", "A location with its coords is required.", "required")
    battery = location.get("battery")
    extras = {k: v for k, v in location.items() if k not in ("coords", "battery", "timestamp")}
    return token, Fix(
        index=0,
        recorded_at=timestamp(location.get("timestamp"), "location.timestamp"),
        lat=_required(_number(coords.get("latitude"), "location.coords.latitude"), "location.coords.latitude"),
        lon=_required(_number(coords.get("longitude"), "location.coords.longitude"), "location.coords.longitude"),
        accuracy=_number(coords.get("accuracy"), "location.coords.accuracy", low=0, high=1e6),
        speed=_positive(_number(coords.get("speed"), "location.coords.speed", low=-1, high=1e4)),
        heading=_positive(_number(coords.get("heading"), "location.coords.heading", low=-1, high=360)),
        battery=_battery(battery.get("level"), "location.battery.level", fraction=True)
        if isinstance(battery, Mapping)
        else None,
        altitude=_number(coords.get("altitude"), "location.coords.altitude", low=-1e5, high=1e6),
        attributes=_attributes(extras, set()),
    )


def _positive(value: float | None) -> float | None:
    return None if value is None or value < 0 else value  # -1: the phone does not know


OWNTRACKS_KEYS = {"_type", "lat", "lon", "tst", "acc", "batt", "vel", "cog", "alt", "topic"}


def from_owntracks(body: Any) -> Fix | None:
    """An OwnTracks message: its fix, or None for the other ``_type``s (waypoints, transitions,
    cards, last wills), which the app sends too and which are accepted and left."""
    if not isinstance(body, Mapping):
        raise _fail("_type", "An OwnTracks message is a JSON object.")
    if body.get("_type") != "location":
        return None
    speed = _number(body.get("vel"), "vel", low=0, high=1e5)  # km/h
    return Fix(
        index=0,
        recorded_at=timestamp(body.get("tst"), "tst"),
        lat=_required(_number(body.get("lat"), "lat"), "lat"),
        lon=_required(_number(body.get("lon"), "lon"), "lon"),
        accuracy=_number(body.get("acc"), "acc", low=0, high=1e6),
        speed=None if speed is None else speed / 3.6,
        heading=_number(body.get("cog"), "cog", low=0, high=360),
        battery=_battery(body.get("batt"), "batt"),
        altitude=_number(body.get("alt"), "alt", low=-1e5, high=1e6),
        attributes=_attributes(body, OWNTRACKS_KEYS),
    )
