"""Geofences as geometry: reading GeoJSON in, and finding which fences hold a batch of fixes.

shapely 2 (GEOS) does the geometry (docs/decisions.md). Every fence, a circle too, is one
polygon in degrees (a circle becomes a 32-sided polygon, stretched by 1/cos(latitude) so its
radius is metres in every direction). An STRtree over them answers a whole batch's points in one
vectorised query: the bounding-box prefilter and the exact point-in-polygon test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, mapping, shape

METRES_PER_DEGREE = 111_320.0
MAX_VERTICES = 10_000
CIRCLE_SEGMENTS = 8  # per quarter: 32 sides


class BadGeometry(ValueError):
    """The GeoJSON is not a fence (the message says why)."""


def circle(lat: float, lon: float, radius_m: float) -> shapely.Polygon:
    degrees = radius_m / METRES_PER_DEGREE
    disc = Point(lon, lat).buffer(degrees, quad_segs=CIRCLE_SEGMENTS)
    return affinity.scale(disc, xfact=1 / max(math.cos(math.radians(lat)), 0.01), yfact=1.0)


def read_geometry(geojson: Any, radius_m: float | None) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon, or a Point with ``radius_m`` (a circle); [lon, lat]."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon", "Point"):
        raise BadGeometry("A GeoJSON Polygon, MultiPolygon, or Point with radius_m.")
    try:
        geometry = shape(geojson)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as error:
        raise BadGeometry(f"Not valid GeoJSON coordinates ({error}).") from None
    if geometry.is_empty:
        raise BadGeometry("The geometry is empty.")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BadGeometry("Coordinates are [lon, lat], within ±180 and ±90.")
    if isinstance(geometry, Point):
        if radius_m is None or not 1 <= radius_m <= 100_000:
            raise BadGeometry("A circle needs radius_m from 1 to 100,000 metres.")
        return circle(geometry.y, geometry.x, radius_m)
    if radius_m is not None:
        raise BadGeometry("radius_m is for a Point (a circle) only.")
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise BadGeometry(f"At most {MAX_VERTICES} vertices.")
    if not geometry.is_valid:
        raise BadGeometry(f"The polygon is not valid: {shapely.is_valid_reason(geometry)}.")
    return geometry


def to_geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    return mapping(geometry)


@dataclass(frozen=True, slots=True)
class Hours:
    """When a fence's rules apply, in the organization's time zone; ``days`` 0 = Monday."""

    days: frozenset[int] = frozenset(range(7))
    start: time | None = None
    end: time | None = None

    def covers(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        if local.weekday() not in self.days:
            return False
        if self.start is None or self.end is None:
            return True
        now = local.time()
        return self.start <= now < self.end if self.start <= self.end else now >= self.start or now < self.end


@dataclass(frozen=True, slots=True)
class Fence:
    key: str  # "f<id>" for a geofence, "c<id>" for a client's zone
    name: str
    kind: str  # territory, zone
    agents: frozenset[int] | None  # None: everyone
    hours: Hours
    dwell_minutes: int | None
    geometry: shapely.Geometry = field(compare=False, hash=False)

    def applies_to(self, agent_id: int) -> bool:
        return self.agents is None or agent_id in self.agents


class FenceIndex:
    """One organization's fences, queried a batch of points at a time."""

    def __init__(self, fences: Sequence[Fence]) -> None:
        self.fences = list(fences)
        self.tree = shapely.STRtree([f.geometry for f in self.fences]) if self.fences else None
        self.territories: dict[int | None, list[Fence]] = {}
        for fence in self.fences:
            if fence.kind == "territory":
                for agent in fence.agents if fence.agents is not None else [None]:
                    self.territories.setdefault(agent, []).append(fence)

    def holding(self, points: Iterable[tuple[float, float]]) -> list[set[int]]:
        """For each (lat, lon), the indexes of the fences that hold it (edges included)."""
        coordinates = np.array([(lon, lat) for lat, lon in points], dtype=float).reshape(-1, 2)
        found: list[set[int]] = [set() for _ in range(len(coordinates))]
        if self.tree is None or not len(coordinates):
            return found
        which, fences = self.tree.query(shapely.points(coordinates), predicate="intersects")
        for point, fence in zip(which.tolist(), fences.tolist(), strict=True):
            found[point].add(fence)
        return found

    def territories_of(self, agent_id: int) -> list[Fence]:
        return [*self.territories.get(None, []), *self.territories.get(agent_id, [])]
