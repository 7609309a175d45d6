"""Distances on the Earth and line simplification, in plain Python and numpy (no GIS extension
needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): within 0.5 % of the ellipsoid, plenty for
    check-in radii and daily distances."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distances_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Haversine metres from each (lat, lon) row of ``a`` to each of ``b``: shape (len a, len b)."""
    p1, p2 = np.radians(a[:, :1]), np.radians(b[:, 0])
    dl = np.radians(b[:, 1]) - np.radians(a[:, 1:2])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def path_length_m(points: Sequence[tuple[float, float]]) -> float:
    """The haversine length of a polyline; inlined, since a day's track is thousands of legs."""
    total = 0.0
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    for (lat1, lon1), (lat2, lon2) in pairwise(points):
        p1, p2 = radians(lat1), radians(lat2)
        h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
        total += asin(min(1.0, sqrt(h)))
    return 2 * EARTH_RADIUS_M * total


def _offset_m(origin: tuple[float, float], point: tuple[float, float]) -> tuple[float, float]:
    """``point`` in metres east and north of ``origin`` (equirectangular: exact enough for the
    few kilometres between consecutive track points)."""
    x = math.radians(point[1] - origin[1]) * math.cos(math.radians(origin[0])) * EARTH_RADIUS_M
    y = math.radians(point[0] - origin[0]) * EARTH_RADIUS_M
    return x, y


def _segment_distance_m(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    px, py = _offset_m(a, p)
    bx, by = _offset_m(a, b)
    length2 = bx * bx + by * by
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, (px * bx + py * by) / length2))
    return math.hypot(px - t * bx, py - t * by)


def simplify(points: Sequence[tuple[float, float]], tolerance_m: float) -> list[int]:
    """Douglas-Peucker: indexes of the points to keep so that no dropped point lies farther than
    ``tolerance_m`` from the kept line. Iterative, so a day of fixes cannot overflow the stack."""
    n = len(points)
    if n <= 2 or tolerance_m <= 0:
        return list(range(n))
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_at = 0.0, -1
        for i in range(first + 1, last):
            d = _segment_distance_m(points[i], points[first], points[last])
            if d > worst:
                worst, worst_at = d, i
        if worst > tolerance_m:
            keep[worst_at] = True
            stack.append((first, worst_at))
            stack.append((worst_at, last))
    return [i for i, kept in enumerate(keep) if kept]
