"""Trips and stops from an agent's accepted points, in device-time order. Pure: the caller loads.

A **stop** is where the agent stayed within ``STOP_RADIUS_M`` of where they arrived for at least
``STOP_MIN_SECONDS``: a phone that slept while the agent stood still (two points far apart in
time, close in place) is a stop too. It starts and ends at the first and last points within
``ARRIVAL_M`` of where the agent mostly was. A **trip** is the movement between two
stops (or the day's first or last point), kept when it covers at least ``TRIP_MIN_M``. These are
Traccar's notions, with thresholds for people on foot and in city traffic (docs/field.md).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from domains.tracking.api import distance_m

STOP_RADIUS_M = 100.0
STOP_MIN_SECONDS = 300.0
TRIP_MIN_M = 200.0
ARRIVAL_M = 25.0
METRES = 111_320.0  # per degree of latitude


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    lat: float
    lon: float
    speed: float | None = None  # m/s, as reported


@dataclass
class Stop:
    lat: float
    lon: float
    arrived_at: datetime
    departed_at: datetime
    points: int

    @property
    def seconds(self) -> float:
        return (self.departed_at - self.arrived_at).total_seconds()


@dataclass
class Trip:
    started_at: datetime
    ended_at: datetime
    distance_m: float
    max_speed: float  # m/s: the fastest reported speed, or between two points
    points: int
    start: tuple[float, float]
    end: tuple[float, float]

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


def _plane(points: Sequence[Point]) -> np.ndarray:
    """Metres east and north of the first point: exact enough at a stop radius's scale."""
    coords = np.array([(p.lon, p.lat) for p in points], dtype=float).reshape(-1, 2)
    if len(coords):
        coords -= coords[0]
        coords *= (math.cos(math.radians(points[0].lat)) * METRES, METRES)
    return coords


def _stay_end(plane: np.ndarray, first: int) -> int:
    """The last index before the first point beyond the stop radius of point ``first``."""
    window = 16
    while True:
        ahead = plane[first + 1 : first + 1 + window] - plane[first]
        beyond = np.flatnonzero(np.hypot(ahead[:, 0], ahead[:, 1]) > STOP_RADIUS_M)
        if beyond.size:
            return first + int(beyond[0])
        if first + window >= len(plane) - 1:
            return len(plane) - 1
        window *= 4


def _trimmed(plane: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """The stay without the walk in and out: the radius around the first point also holds the
    last ``STOP_RADIUS_M`` of the way there, so arrival and departure are the first and last
    points within ``ARRIVAL_M`` of where the agent mostly was (the median point)."""
    stay = plane[first : last + 1]
    near = np.flatnonzero(np.hypot(*(stay - np.median(stay, axis=0)).T) <= ARRIVAL_M)
    return (first + int(near[0]), first + int(near[-1])) if near.size else (first, first)


def stops_and_trips(points: Sequence[Point]) -> tuple[list[Stop], list[Trip]]:
    stops: list[tuple[int, int]] = []
    plane = _plane(points)
    i = 0
    while i < len(points):
        j = _stay_end(plane, i)
        long_enough = (points[j].at - points[i].at).total_seconds() >= STOP_MIN_SECONDS
        first, last = _trimmed(plane, i, j) if long_enough else (i, i)
        if (points[last].at - points[first].at).total_seconds() >= STOP_MIN_SECONDS:
            stops.append((first, last))
            i = j + 1
        else:
            i += 1
    found = [_stop(points[a : b + 1]) for a, b in stops]
    trips = []
    bounds = [(-1, 0), *stops, (len(points) - 1, len(points))]
    for (_a, end_of_stop), (start_of_next, _b) in itertools.pairwise(bounds):
        first, last = max(end_of_stop, 0), min(start_of_next, len(points) - 1)
        if last > first:
            trip = _trip(points[first : last + 1])
            if trip.distance_m >= TRIP_MIN_M:
                trips.append(trip)
    return found, trips


def _stop(points: Sequence[Point]) -> Stop:
    return Stop(
        lat=sum(p.lat for p in points) / len(points),
        lon=sum(p.lon for p in points) / len(points),
        arrived_at=points[0].at,
        departed_at=points[-1].at,
        points=len(points),
    )


def _trip(points: Sequence[Point]) -> Trip:
    distance, fastest = 0.0, max((p.speed or 0.0 for p in points), default=0.0)
    for a, b in itertools.pairwise(points):
        step = distance_m(a.lat, a.lon, b.lat, b.lon)
        distance += step
        seconds = (b.at - a.at).total_seconds()
        if seconds > 0 and a.speed is None:
            fastest = max(fastest, step / seconds)
    return Trip(
        started_at=points[0].at,
        ended_at=points[-1].at,
        distance_m=distance,
        max_speed=fastest,
        points=len(points),
        start=(points[0].lat, points[0].lon),
        end=(points[-1].lat, points[-1].lon),
    )
