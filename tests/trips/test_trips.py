"""Trips and stops from the stored points, with the thresholds docs/field.md gives, and the
agent's day report: distance, time moving, at clients, outside the territory, visits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from domains.tracking import services
from domains.tracking.fixes import Fix
from domains.trips.detection import ARRIVAL_M, STOP_MIN_SECONDS, Point, stops_and_trips
from domains.visits import services as visits
from tests.factories import bearer, member_factory, tenant_factory

START = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
STEP = 10 / 111_320  # ten metres north


def day(*legs) -> list[Point]:  # type: ignore[no-untyped-def]
    """Legs of ("walk", n) ten metres every 10 s, or ("stay", seconds) in place, one point a minute."""
    points, at, lat, lon = [], START, 41.30, 69.25
    for kind, amount in legs:
        if kind == "walk":
            for _ in range(amount):
                at, lat = at + timedelta(seconds=10), lat + STEP
                points.append(Point(at, lat, lon, 1.0))
        else:
            for _ in range(int(amount // 60)):
                at = at + timedelta(seconds=60)
                points.append(Point(at, lat + 0.00001, lon, 0.0))
    return points


def test_a_walk_a_stay_and_a_walk():
    stops, trips = stops_and_trips(day(("walk", 50), ("stay", 900), ("walk", 50)))
    assert len(stops) == 1 and len(trips) == 2
    assert 900 <= stops[0].seconds <= 1000
    # the trip ends where the stop begins: within ARRIVAL_M of the place
    assert trips[0].distance_m == pytest.approx(500 - ARRIVAL_M, abs=15) and trips[0].max_speed == 1.0


def test_a_short_pause_is_no_stop_and_a_short_hop_no_trip():
    stops, trips = stops_and_trips(day(("walk", 30), ("stay", STOP_MIN_SECONDS - 60), ("walk", 30)))
    assert stops == [] and len(trips) == 1
    stops, trips = stops_and_trips(day(("stay", 600), ("walk", 10), ("stay", 600)))
    assert len(stops) == 2 and trips == []  # 100 m is under TRIP_MIN_M


def test_no_points_nothing():
    assert stops_and_trips([]) == ([], [])


@pytest.mark.django_db
def test_the_days_report_with_trips_stops_clients_and_visits(api, tenant, field, settings):
    settings.LOCATIONS_RETENTION_DAYS = 3650
    agent = field["agent"]
    client = field["client"]
    client.lat, client.lon = 41.30 + 50 * STEP + 0.00001, 69.25  # where the agent stays
    client.save()
    points = day(("walk", 50), ("stay", 900), ("walk", 50))
    fixes = [Fix(index=n, recorded_at=p.at, lat=p.lat, lon=p.lon, speed=p.speed) for n, p in enumerate(points)]
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent.user_id, fixes=fixes, source="upload")])
    for at in (START + timedelta(hours=1), START + timedelta(hours=2)):
        visits.visit_create(tenant=tenant, actor=field["manager"].user, agent=agent.user, client=client, planned_at=at)
    manager = bearer(field["manager"])
    trips = api.get(f"/api/locations/agents/{agent.user_id}/trips/", {"day": "2026-12-01"}, **manager).json()
    assert len(trips["trips"]) == 2 and len(trips["stops"]) == 1
    assert trips["stops"][0]["client"]["id"] == client.pk
    report = api.get("/api/visits/daily-report/", {"agent": agent.user_id, "day": "2026-12-01"}, **manager)
    assert report.status_code == 200, report.content
    body = report.json()
    assert (body["visits_planned"], body["visits_done"]) == (2, 0)
    assert body["at_clients_seconds"] == trips["stops"][0]["seconds"] and body["moving_seconds"] > 0
    assert body["distance_m"] == pytest.approx(1000, abs=30) and body["outside_territory_seconds"] == 0
    # an agent asks for their own day only; another organization sees no one
    own = api.get("/api/visits/daily-report/", {"day": "2026-12-01"}, **bearer(agent)).json()
    assert own["agent_id"] == agent.user_id
    other = {"agent": field["other_agent"].user_id, "day": "2026-12-01"}
    refused = api.get("/api/visits/daily-report/", other, **bearer(agent))
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["agent"][0]["code"] == "does_not_exist"
    outsider = bearer(member_factory(tenant=tenant_factory()))
    assert api.get("/api/visits/daily-report/", {"agent": agent.user_id}, **outsider).status_code == 400
    assert api.get("/api/visits/daily-report/", {"day": "yesterday"}, **manager).status_code == 400


@pytest.mark.django_db
def test_time_outside_the_territory_counts_in_the_report(api, tenant, field):
    square = [[[69.245, 41.295], [69.255, 41.295], [69.255, 41.305], [69.245, 41.305], [69.245, 41.295]]]
    body = {"name": "District", "kind": "territory", "geometry": {"type": "Polygon", "coordinates": square}}
    api.post("/api/locations/geofences/", body, format="json", **bearer(field["manager"]))
    # Yesterday at 10:00: the fixes and the report's day never straddle midnight, whenever this
    # runs (two hours back, a run just after midnight read the wrong day).
    yesterday = timezone.localdate() - timedelta(days=1)
    start = datetime.combine(yesterday, time(10), tzinfo=timezone.get_default_timezone())
    places = [(41.30, 69.25), (41.30, 69.27), (41.30, 69.27), (41.30, 69.25)]
    fixes = [
        Fix(index=n, recorded_at=start + timedelta(minutes=5 * n), lat=a, lon=b) for n, (a, b) in enumerate(places)
    ]
    services.record(
        [services.Batch(tenant_id=tenant.pk, agent_id=field["agent"].user_id, fixes=fixes, source="upload")]
    )
    day_ = start.astimezone(timezone.get_default_timezone()).date().isoformat()
    report = api.get(
        "/api/visits/daily-report/", {"agent": field["agent"].user_id, "day": day_}, **bearer(field["manager"])
    )
    assert report.json()["outside_territory_seconds"] == 600.0


@pytest.mark.django_db
def test_a_day_is_of_this_organizations_agents_and_for_those_who_watch_them(api, tenant, field):
    # given an agent here, a viewer here, and an agent of another organization
    stranger = member_factory(tenant=tenant_factory(), role=Role.AGENT)
    manager = bearer(field["manager"])

    def day_of(user_id: int, **who):  # type: ignore[no-untyped-def]
        return api.get(f"/api/locations/agents/{user_id}/trips/", **(who or manager)).status_code

    # then the agent's day is there; a member who is no agent, another organization's agent, or
    # an id past the database's range is no one
    assert day_of(field["agent"].user_id) == 200
    assert day_of(field["viewer"].user_id) == day_of(stranger.user_id) == day_of(2**63) == 404
    # and an agent, who watches no one (locations.view), may not ask
    assert day_of(field["agent"].user_id, **bearer(field["agent"])) == 403
