"""Breadcrumbs over REST and through the service: deduplication, Traccar-style filters kept
for the audit, presence, tracks, distances, retention, and tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from domains.tracking import partitions, services
from domains.tracking.fixes import Fix
from domains.tracking.models import AgentState, LocationPoint
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, tenant_factory
from tests.fieldwork import TASHKENT

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def walk(start: datetime, n: int, *, every: float = 1.0, step_m: float = 1.2) -> list[dict]:
    """``n`` fixes of someone walking north at a steady pace, one per ``every`` seconds."""
    return [
        {
            "id": f"p-{i}",
            "recorded_at": iso(start + timedelta(seconds=i * every)),
            "lat": TASHKENT[0] + i * step_m / 111_195,
            "lon": TASHKENT[1],
            "accuracy": 6.0,
        }
        for i in range(n)
    ]


def upload(api, member, points):  # type: ignore[no-untyped-def]
    return api.post("/api/locations/points/", {"points": points}, format="json", **bearer(member))


def test_an_hour_offline_uploaded_twice_is_stored_once_and_in_order(api, field):
    agent = field["agent"]
    start = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    hour = walk(start, 3600)
    first = upload(api, agent, hour)
    assert first.status_code == 200, first.content
    assert first.json() == {"received": 3600, "stored": 3600, "duplicates": 0, "filtered": {}, "rejected": []}
    again = upload(api, agent, list(reversed(hour)))  # the retry, in any order
    assert again.json() == {"received": 3600, "stored": 0, "duplicates": 3600, "filtered": {}, "rejected": []}
    assert LocationPoint.objects.filter(agent_id=agent.user_id).count() == 3600
    track = api.get(
        f"/api/locations/agents/{agent.user_id}/track/",
        {"since": iso(start), "until": iso(start + timedelta(hours=1))},
        **bearer(field["manager"]),
    ).json()
    assert track["count"] == 3600
    assert [p["recorded_at"] for p in track["points"]] == [p["recorded_at"] for p in hour]
    assert 4300 < track["distance_m"] < 4330  # 3599 steps of 1.2 m
    simplified = api.get(
        f"/api/locations/agents/{agent.user_id}/track/",
        {"since": iso(start), "until": iso(start + timedelta(hours=1)), "simplify": 5},
        **bearer(field["manager"]),
    ).json()
    assert simplified["returned"] == 2 and simplified["count"] == 3600  # a straight line: its two ends


def test_without_an_id_the_device_time_is_the_dedupe_key(tenant, field):
    agent = field["agent"].user_id
    now = timezone.now()
    one = Fix(index=0, recorded_at=now, lat=41.31, lon=69.27)
    batch = services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=[one], source="live")
    (first,) = services.record([batch])
    (second,) = services.record([batch])
    assert (first.stored, second.stored, second.duplicates) == (1, 0, 1)
    # another point at the same device time under its own id: a duplicate fix, kept for the audit
    twin = Fix(index=0, recorded_at=now, lat=41.32, lon=69.28, client_id="other")
    (third,) = services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=[twin], source="live")])
    assert third.filtered == {"duplicate": 1}
    assert LocationPoint.objects.filter(agent_id=agent).count() == 2


def test_filters_count_and_keep_bad_fixes_out_of_the_track(api, field):
    agent = field["agent"]
    now = timezone.now().replace(microsecond=0)
    good = walk(now - timedelta(minutes=10), 3, every=10)
    bad = [
        {"recorded_at": iso(now - timedelta(minutes=9)), "lat": 95.0, "lon": 69.2},  # invalid
        {"recorded_at": iso(now - timedelta(minutes=8)), "lat": 0, "lon": 0},  # zero
        {"recorded_at": iso(now + timedelta(hours=2)), "lat": 41.31, "lon": 69.27},  # future
        {"recorded_at": iso(now - timedelta(minutes=7)), "lat": 41.31, "lon": 69.27, "accuracy": 800},  # vague
        {"recorded_at": iso(now - timedelta(minutes=6)), "lat": 48.85, "lon": 2.35},  # Paris, a minute later
    ]
    receipt = upload(api, agent, good + bad).json()
    assert receipt["stored"] == 8
    assert receipt["filtered"] == {"invalid": 1, "zero": 1, "future": 1, "accuracy": 1, "speed": 1}
    manager = bearer(field["manager"])
    window = {"since": iso(now - timedelta(hours=1)), "until": iso(now + timedelta(hours=3))}
    url = f"/api/locations/agents/{agent.user_id}/track/"
    assert [p["lat"] for p in api.get(url, window, **manager).json()["points"]] == [g["lat"] for g in good]
    audit = api.get(url, {**window, "include_filtered": "true"}, **manager).json()["points"]
    assert sorted(p["filtered"] for p in audit if p["filtered"]) == ["accuracy", "future", "invalid", "speed", "zero"]
    row = api.get(f"/api/locations/agents/{agent.user_id}/", **manager).json()
    assert row["points_accepted"] == 3 and sum(row["points_filtered"].values()) == 5
    assert row["position"]["lat"] == good[-1]["lat"]  # filtered fixes never move the agent


def test_filters_are_the_tenants_to_configure(api, field):
    body = {"filter_accuracy_m": None, "filter_max_speed_kmh": 2000}
    assert api.patch("/api/field-settings/", body, format="json", **bearer(field["admin"])).status_code == 200
    now = timezone.now().replace(microsecond=0)
    points = [
        {"recorded_at": iso(now - timedelta(minutes=2)), "lat": 41.31, "lon": 69.27, "accuracy": 800},
        {"recorded_at": iso(now - timedelta(minutes=1)), "lat": 41.51, "lon": 69.27},  # 22 km in a minute
    ]
    assert upload(api, field["agent"], points).json()["filtered"] == {}
    assert (
        api.patch(
            "/api/field-settings/",
            {"idle_after_seconds": 600, "offline_after_seconds": 60},
            format="json",
            **bearer(field["admin"]),
        ).status_code
        == 400
    )


def test_the_speed_check_of_a_backfill_compares_with_its_neighbours_in_time(tenant, field):
    agent = field["agent"].user_id
    now = timezone.now() - timedelta(hours=2)

    def send(*fixes: tuple[int, float]):  # type: ignore[no-untyped-def]
        batch = [
            Fix(index=i, recorded_at=now + timedelta(minutes=m), lat=lat, lon=69.27) for i, (m, lat) in enumerate(fixes)
        ]
        return services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=batch, source="upload")])[0]

    send((0, 41.30), (60, 41.40))  # live points an hour apart, 11 km: fine
    # a backfilled fix between them 1 minute after the first but 10 km away: implausible
    assert send((1, 41.39)).filtered == {"speed": 1}
    assert send((30, 41.35)).filtered == {}  # halfway, half an hour later: plausible


@pytest.mark.parametrize(
    ("points", "path", "code"),
    [
        ([{"recorded_at": "2026-11-22T10:00:00Z", "lon": 69.2}], "points.0.lat", "required"),
        ([{"recorded_at": "2026-11-22T10:00:00", "lat": 41, "lon": 69}], "points.0.recorded_at", "naive_time"),
        ([{"recorded_at": "yesterday", "lat": 41, "lon": 69}], "points.0.recorded_at", "invalid"),
        ([{"recorded_at": "2026-11-22T10:00:00Z", "lat": "41", "lon": 69}], "points.0.lat", "invalid"),
        (
            [{"recorded_at": "2026-11-22T10:00:00Z", "lat": 41, "lon": 69, "battery": 140}],
            "points.0.battery",
            "invalid",
        ),
        (
            [{"recorded_at": "2026-11-22T10:00:00Z", "lat": 41, "lon": 69, "altitude": 3}],
            "points.0.altitude",
            "unknown_field",
        ),
        ([], "points", "required"),
    ],
)
def test_bad_points_are_refused_whole_with_the_field_named(api, field, points, path, code):
    good = {"recorded_at": iso(timezone.now()), "lat": 41.3, "lon": 69.2}
    response = upload(api, field["agent"], [good, *points] if points else points)
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    named = path.replace("points.0", "points.1") if points else path
    assert fields[named][0]["code"] == code
    assert not LocationPoint.objects.exists()


def test_points_outside_the_retention_window_are_rejected_not_stored(api, field, settings):
    settings.LOCATIONS_RETENTION_DAYS = 10
    old = {"recorded_at": iso(timezone.now() - timedelta(days=30)), "lat": 41.3, "lon": 69.2}
    receipt = upload(api, field["agent"], [old]).json()
    assert receipt["rejected"] == [{"index": 0, "code": "out_of_window"}] and receipt["stored"] == 0


def test_too_many_points_in_one_upload(api, field, settings):
    settings.LOCATIONS_MAX_POINTS_PER_UPLOAD = 10
    response = upload(api, field["agent"], walk(timezone.now() - timedelta(hours=1), 11))
    assert response.json()["error"]["fields"]["points"][0]["code"] == "too_many"


def test_presence_moves_from_online_to_idle_to_offline_with_events(tenant, field):
    agent = field["agent"].user_id
    fix = Fix(index=0, recorded_at=timezone.now(), lat=41.31, lon=69.27)
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=[fix], source="live")])
    assert AgentState.objects.get(agent_id=agent).presence == "online"
    now = timezone.now()
    assert services.sweep_presence(now=now + timedelta(seconds=60)) == 0
    # two and a half minutes without a fix, the agent's socket still open: idle
    AgentState.objects.filter(agent_id=agent).update(last_fix_at=now - timedelta(seconds=150))
    services.mark_seen([(tenant.pk, agent)])
    assert AgentState.objects.get(agent_id=agent).presence == "idle"
    assert services.sweep_presence(now=now + timedelta(seconds=590)) == 0
    assert services.sweep_presence(now=now + timedelta(seconds=610)) == 1
    changes = [
        (e.data["previous"], e.data["presence"])
        for e in OutboxEvent.objects.filter(type="agent.presence_changed").order_by("pk")
    ]
    assert changes == [("offline", "online"), ("online", "idle"), ("idle", "offline")]


def test_daily_distance_follows_the_organizations_calendar(api, tenant, field):
    tenant.timezone = "Asia/Tashkent"  # UTC+5
    tenant.save()
    agent = field["agent"]
    day = timezone.now().astimezone(UTC).date() - timedelta(days=2)
    # 18:50-19:10 UTC: across local midnight (23:50-00:10 in Tashkent)
    start = datetime(day.year, day.month, day.day, 18, 50, tzinfo=UTC)
    upload(api, agent, walk(start, 21, every=60, step_m=50))
    local = day
    rows = api.get(
        f"/api/locations/agents/{agent.user_id}/distance/",
        {"start": local.isoformat(), "end": (local + timedelta(days=1)).isoformat()},
        **bearer(field["manager"]),
    ).json()
    assert [r["points"] for r in rows] == [10, 11]
    assert [round(r["distance_m"]) for r in rows] == [450, 500]


def test_a_manager_of_another_tenant_never_sees_these_agents(api, tenant, field):
    upload(api, field["agent"], walk(timezone.now() - timedelta(minutes=5), 3))
    elsewhere = member_factory(tenant=tenant_factory(), role="manager")
    listed = api.get("/api/locations/agents/", **bearer(elsewhere)).json()
    assert listed == []
    for url in ("", "track/", "distance/"):
        assert api.get(f"/api/locations/agents/{field['agent'].user_id}/{url}", **bearer(elsewhere)).status_code == 404
    mine = api.get("/api/locations/agents/", **bearer(field["manager"])).json()
    assert {r["id"] for r in mine} == {field["agent"].user_id, field["other_agent"].user_id}
    assert api.get("/api/locations/agents/", **bearer(field["agent"])).status_code == 403  # agents report only


def test_retention_removes_old_days(tenant, field, settings):
    agent = field["agent"].user_id
    old = timezone.now() - timedelta(days=5)
    fix = Fix(index=0, recorded_at=old, lat=41.31, lon=69.27)
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=[fix], source="upload")])
    recent = Fix(index=0, recorded_at=timezone.now(), lat=41.31, lon=69.27)
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=[recent], source="live")])
    settings.LOCATIONS_RETENTION_DAYS = 3
    assert services.prune() >= 1
    assert list(LocationPoint.objects.values_list("recorded_at", flat=True)) == [recent.recorded_at]
    if partitions.partitioned():
        assert old.date() not in partitions.existing()
        assert timezone.now().astimezone(UTC).date() in partitions.existing()


@pytest.mark.skipif(not partitions.partitioned(), reason="daily partitions are PostgreSQL's")
def test_finished_days_are_clustered_once(tenant, field):
    agent = field["agent"].user_id
    yesterday = timezone.now() - timedelta(days=1)
    fixes = [Fix(index=i, recorded_at=yesterday + timedelta(seconds=i), lat=41.31, lon=69.27) for i in range(5)]
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent, fixes=fixes, source="upload")])
    today = timezone.now().astimezone(UTC).date()
    assert yesterday.astimezone(UTC).date() in partitions.cluster_before(today, limit=50)
    assert partitions.cluster_before(today, limit=50) == []  # each day once
    assert LocationPoint.objects.filter(agent_id=agent).count() == 5
