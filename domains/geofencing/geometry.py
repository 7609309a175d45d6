"""Geofences as geometry: reading GeoJSON in, and finding which fences hold a batch of fixes.

shapely 2 (GEOS) does the geometry (docs/decisions.md). Polygons are in degrees, in one STRtree
that answers a whole batch's points in one vectorised query: the bounding-box prefilter and the
exact point-in-polygon test. Circles (circle geofences, and every client's zone) are their
centres in a second STRtree: a ``dwithin`` query by the widest radius in degrees, then the exact
distance in metres. So 70,000 clients' zones cost a tree of points, not 70,000 polygons.
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
from shapely.geometry import Point, shape

METRES_PER_DEGREE = 111_320.0
MAX_VERTICES = 10_000


class BadGeometry(ValueError):
    """The GeoJSON is not a fence (the message says why)."""


def read_geometry(geojson: Any, radius_m: float | None) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon, or a Point with ``radius_m`` (a circle: its centre is
    returned, the index measures the radius in metres); [lon, lat]."""
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
        return geometry
    if radius_m is not None:
        raise BadGeometry("radius_m is for a Point (a circle) only.")
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise BadGeometry(f"At most {MAX_VERTICES} vertices.")
    if not geometry.is_valid:
        raise BadGeometry(f"The polygon is not valid: {shapely.is_valid_reason(geometry)}.")
    return geometry


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
    geometry: shapely.Geometry = field(compare=False, hash=False)  # a polygon, or a circle's centre
    radius_m: float | None = None  # a circle

    def applies_to(self, agent_id: int) -> bool:
        return self.agents is None or agent_id in self.agents


@dataclass(frozen=True)
class ClientZones:
    """Every located client as a circle of the organization's check-in radius, as arrays; a
    client's zone is for the agents assigned to it."""

    ids: Sequence[int]
    names: Sequence[str]
    coordinates: np.ndarray  # (lon, lat) per client
    agents: Sequence[frozenset[int]]
    radius_m: float


class _Circles:
    """Circles as their centres in an STRtree: a ``dwithin`` query by the widest radius in
    degrees of longitude (at the batch's highest latitude), then the exact distance in metres."""

    def __init__(self, keys: list[str], centres: np.ndarray, radii: np.ndarray) -> None:
        self.keys, self.centres, self.radii = keys, centres.reshape(-1, 2), radii
        self.tree = shapely.STRtree(shapely.points(self.centres)) if len(keys) else None
        self.widest = float(radii.max()) if len(keys) else 0.0

    def hits(self, coordinates: np.ndarray, geometries: np.ndarray) -> Iterable[tuple[int, str]]:
        if self.tree is None:
            return []
        slack = max(math.cos(math.radians(float(np.abs(coordinates[:, 1]).max()))), 0.01)
        which, found = self.tree.query(
            geometries, predicate="dwithin", distance=self.widest / METRES_PER_DEGREE / slack
        )
        here, there = coordinates[which], self.centres[found]
        east = (here[:, 0] - there[:, 0]) * np.cos(np.radians((here[:, 1] + there[:, 1]) / 2))
        inside = np.hypot(east, here[:, 1] - there[:, 1]) * METRES_PER_DEGREE <= self.radii[found]
        return [(p, self.keys[f]) for p, f in zip(which[inside].tolist(), found[inside].tolist(), strict=True)]


class FenceIndex:
    """One organization's fences, queried a batch of points at a time. Fences are named by key:
    ``f<id>`` a geofence, ``c<id>`` a client's zone (made a ``Fence`` only when a point is in it).
    Clients' zones are queried per agent, in a tree of that agent's clients, made when first asked."""

    def __init__(
        self, fences: Sequence[Fence], clients: ClientZones | None = None, zone: ZoneInfo | None = None
    ) -> None:
        self.zone = zone or ZoneInfo("UTC")  # the organization's, for working hours
        self.by_key = {f.key: f for f in fences}
        self.clients = clients
        self.client_at = {f"c{pk}": n for n, pk in enumerate(clients.ids)} if clients else {}
        polygons = [f for f in fences if f.radius_m is None]
        circles = [f for f in fences if f.radius_m is not None]
        self.polygon_keys = [f.key for f in polygons]
        self.polygon_tree = shapely.STRtree([f.geometry for f in polygons]) if polygons else None
        self.circles = _Circles(
            [f.key for f in circles],
            shapely.get_coordinates([f.geometry for f in circles]),
            np.array([f.radius_m for f in circles], dtype=float),
        )
        self._of_agent: dict[int, list[int]] = {}
        for n, agents in enumerate(clients.agents if clients else []):
            for agent in agents:
                self._of_agent.setdefault(agent, []).append(n)
        self._agent_circles: dict[int, _Circles] = {}
        self.territories: dict[int | None, list[Fence]] = {}
        for fence in fences:
            if fence.kind == "territory":
                for agent in fence.agents if fence.agents is not None else [None]:
                    self.territories.setdefault(agent, []).append(fence)
        self._client_fences: dict[str, Fence] = {}

    def _clients_of(self, agent_id: int) -> _Circles:
        if agent_id not in self._agent_circles:
            assert self.clients is not None
            mine = self._of_agent.get(agent_id, [])
            self._agent_circles[agent_id] = _Circles(
                [f"c{self.clients.ids[n]}" for n in mine],
                np.asarray(self.clients.coordinates)[mine],
                np.full(len(mine), self.clients.radius_m),
            )
        return self._agent_circles[agent_id]

    def __contains__(self, key: str) -> bool:
        return key in self.by_key or key in self.client_at

    def fence(self, key: str) -> Fence:
        if key in self.by_key:
            return self.by_key[key]
        if key not in self._client_fences:
            assert self.clients is not None
            n = self.client_at[key]
            lon, lat = self.clients.coordinates[n]
            self._client_fences[key] = Fence(
                key,
                self.clients.names[n],
                "zone",
                self.clients.agents[n],
                Hours(),
                None,
                Point(lon, lat),
                self.clients.radius_m,
            )
        return self._client_fences[key]

    def holding(self, points: Iterable[tuple[float, float]], agent_id: int) -> list[set[str]]:
        """For each (lat, lon), the keys of the fences that hold it (edges included): geofences
        for anyone (``Fence.applies_to`` says whether for this agent), and this agent's clients."""
        coordinates = np.array([(lon, lat) for lat, lon in points], dtype=float).reshape(-1, 2)
        found: list[set[str]] = [set() for _ in range(len(coordinates))]
        if not len(coordinates):
            return found
        geometries = shapely.points(coordinates)
        if self.polygon_tree is not None:
            which, fences = self.polygon_tree.query(geometries, predicate="intersects")
            for point, fence in zip(which.tolist(), fences.tolist(), strict=True):
                found[point].add(self.polygon_keys[fence])
        circles = [self.circles, self._clients_of(agent_id)] if agent_id in self._of_agent else [self.circles]
        for group in circles:
            for point, key in group.hits(coordinates, geometries):
                found[point].add(key)
        return found

    def territories_of(self, agent_id: int) -> list[Fence]:
        return [*self.territories.get(None, []), *self.territories.get(agent_id, [])]
