"""Reading the field's history: one agent-day's track (before and after the nightly clustering)
and every agent's last position, an agent-day's trips and stops, the clients' list and searches
through the REST stack."""

from __future__ import annotations

import random
import time
from typing import Any

from rest_framework.test import APIClient

from bench.harness import people
from bench.harness.domains import clients as client_data
from bench.harness.domains import tracking
from bench.harness.domains import trips as trip_data
from bench.harness.measure import ms
from core.models import Organization
from core.roles import Role


def _time_tracks(tenant: Organization, ids: list[int], plan: tracking.History, samples: int) -> dict[str, Any]:
    first, days = plan.first, plan.days
    rng = random.Random(7)
    timings, counts = [], []
    for _ in range(samples):
        day = trip_data.random_day(rng, first, days)
        t0 = time.perf_counter()
        counts.append(tracking.track(tenant, rng.choice(ids), day))
        timings.append(time.perf_counter() - t0)
    simplified = []
    for _ in range(max(1, samples // 4)):
        day = trip_data.random_day(rng, first, days)
        t0 = time.perf_counter()
        tracking.track(tenant, rng.choice(ids), day, tolerance_m=10)
        simplified.append(time.perf_counter() - t0)
    last, agents = [], 0
    for _ in range(max(1, samples // 10)):
        t0 = time.perf_counter()
        agents = tracking.last_positions(tenant)
        last.append(time.perf_counter() - t0)
    return {
        "track_points": round(sum(counts) / len(counts)),
        "track_p50_ms": ms(timings, 0.5),
        "track_p99_ms": ms(timings, 0.99),
        "simplified_p99_ms": ms(simplified, 0.99),
        "all_agents": agents,
        "all_agents_p99_ms": ms(last, 0.99),
    }


def tracks(tenant: Organization, plan: tracking.History, samples: int) -> dict[str, Any]:
    """One agent-day's track and every agent's last position, on the days as written and after
    the nightly clustering."""
    ids = tracking.agents_on(plan.first)
    measured = {"fresh": _time_tracks(tenant, ids, plan, samples)}
    began = time.monotonic()
    clustered_days = tracking.cluster_finished_days()
    measured["clustered"] = _time_tracks(tenant, ids, plan, samples)
    return {
        "clustered_s": round(time.monotonic() - began),
        "clustered_days": clustered_days,
        **{f"{k}_{name}": v for name, found in measured.items() for k, v in found.items()},
    }


def trips(tenant: Organization, plan: tracking.History, samples: int) -> dict[str, Any]:
    """Trips and stops of agent-days of the history's last day, as the API computes them."""
    ids = tracking.agents_on(plan.last, limit=200)
    timings, found = [], {}
    for n in range(samples):
        began = time.perf_counter()
        found = trip_data.day_movement(tenant, ids[n % len(ids)], plan.last)
        timings.append(time.perf_counter() - began)
    return {
        "trips_day_points": found["points"],
        "trips_found": found["trips"],
        "stops_found": found["stops"],
        "trips_p50_ms": ms(timings, 0.5),
        "trips_p99_ms": ms(timings, 0.99),
    }


def _deepest_cursor(api: APIClient, headers: dict[str, str], first: str) -> str:
    """Up to 100 pages in."""
    cursor = first
    for _ in range(100):
        following = api.get(cursor, **headers).json()["next"]
        if following is None:
            break
        cursor = following
    return cursor


def clients(tenant: Organization, rounds: int) -> dict[str, Any]:
    """The list's first page, a deep page and searches, ``rounds`` times after a warm-up round."""
    manager = (people.existing(tenant.pk, Role.MANAGER, 1) or people.members(tenant, Role.MANAGER, 1))[0]
    total = client_data.count(tenant)
    rng, words = random.Random(3), client_data.WORDS
    api, headers = APIClient(), {"HTTP_AUTHORIZATION": f"Bearer {people.token(manager)}"}
    kinds = ("page", "deep_page", "search_name", "search_phone", "search_code", "search_broad", "search_short")
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    deep = None
    for n in range(rounds + 1):  # round 0 warms the caches and is not counted
        for key, url in (
            ("page", "/api/clients/"),
            ("search_name", f"/api/clients/?search=Savdo+{rng.randrange(total)}"),
            ("search_phone", f"/api/clients/?search={rng.randrange(total):07d}"),
            ("search_code", f"/api/clients/?search=C-{rng.randrange(total):06d}"),
            ("search_broad", f"/api/clients/?search={rng.choice(words)}"),  # a word in a fifth of the names
            ("search_short", f"/api/clients/?search={rng.choice(words)[:2]}"),  # no trigram, most rows match
            ("deep_page", deep),
        ):
            if url is None:
                continue
            t0 = time.perf_counter()
            response = api.get(url, **headers)
            if n:
                timings[key].append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise SystemExit(f"GET {url}: {response.status_code} {response.content[:300]!r}")
            if key == "page" and n == 0:
                deep = _deepest_cursor(api, headers, response.json()["next"] or url)
    return {
        "clients": total,
        **{f"{k}_{q}_ms": ms(v, p) for k, v in timings.items() for q, p in (("p50", 0.5), ("p99", 0.99))},
    }
