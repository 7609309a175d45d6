"""Geofences: GeoJSON in and out; each new fix judged in device-time order, with one event per
crossing however late, repeated or out of order the points come; dwell once per stay; one alarm
per excursion outside an agent's territory in working hours, cleared by the way back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from domains.alarms.models import Alarm
from domains.tracking import services
from domains.tracking.fixes import Fix
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, tenant_factory

pytestmark = pytest.mark.django_db
# A square district around (41.30, 69.25), about 1.1 km a side; the client is far from it.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[69.245, 41.295], [69.255, 41.295], [69.255, 41.305], [69.245, 41.305], [69.245, 41.295]]],
}
IN, OUT = (41.300, 69.250), (41.300, 69.270)


def fence(api, member, **values):  # type: ignore[no-untyped-def]
    body = {"name": "Chilonzor", "kind": "zone", "geometry": SQUARE, **values}
    answer = api.post("/api/locations/geofences/", body, format="json", **bearer(member))
    assert answer.status_code == 201, answer.content
    return answer.json()


def send(tenant, agent, *places, start=None, every=60):  # type: ignore[no-untyped-def]
    start = start or timezone.now() - timedelta(hours=1)
    fixes = [
        Fix(index=n, recorded_at=start + timedelta(seconds=n * every), lat=lat, lon=lon, accuracy=5.0)
        for n, (lat, lon) in enumerate(places)
    ]
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent.user_id, fixes=fixes, source="upload")])
    return fixes


def crossings(kind: str) -> list[tuple[str, str]]:
    rows = OutboxEvent.objects.filter(type=f"geofence.{kind}", data__geofence_id__isnull=False).order_by("pk")
    return [(r.data["name"], r.data["recorded_at"]) for r in rows]


def test_geojson_in_and_out_with_a_circle(api, tenant, field):
    made = fence(api, field["manager"], agents=[field["agent"].user_id], days=[0, 1, 2, 3, 4])
    assert made["geometry"] == SQUARE and made["agents"] == [field["agent"].user_id]
    ring = fence(
        api, field["manager"], name="Bazaar", geometry={"type": "Point", "coordinates": [69.25, 41.3]}, radius_m=150
    )
    assert ring["radius_m"] == 150 and ring["agents"] is None
    listed = api.get("/api/locations/geofences/", **bearer(field["viewer"])).json()["results"]
    assert sorted(f["name"] for f in listed) == ["Bazaar", "Chilonzor"]
    assert api.post("/api/locations/geofences/", {}, format="json", **bearer(field["agent"])).status_code == 403


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"geometry": {"type": "LineString", "coordinates": [[69, 41], [70, 41]]}}, "geometry"),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[69, 41], [70, 42], [70, 41], [69, 42], [69, 41]]]}},
            "geometry",
        ),
        ({"geometry": {"type": "Polygon", "coordinates": [[[200, 41], [201, 41], [201, 42], [200, 41]]]}}, "geometry"),
        ({"geometry": {"type": "Point", "coordinates": [69.25, 41.3]}}, "geometry"),
        ({"geometry": {"type": "Polygon", "coordinates": "nope"}}, "geometry"),
        ({"start_time": "09:00"}, "end_time"),
        ({"days": [7]}, "days.0"),
        ({"agents": [999999]}, "agents"),
    ],
)
def test_bad_fences_get_a_400_naming_the_field(api, field, values, name):
    body = {"name": "Bad", "geometry": SQUARE, **values}
    answer = api.post("/api/locations/geofences/", body, format="json", **bearer(field["manager"]))
    assert answer.status_code == 400 and name in answer.json()["error"]["fields"], answer.content


def test_one_event_per_crossing_whatever_order_the_points_come(api, tenant, field):
    fence(api, field["manager"], dwell_minutes=2)
    agent = field["agent"]
    start = timezone.now() - timedelta(hours=1)
    fixes = send(tenant, agent, OUT, IN, IN, IN, OUT, start=start)
    assert [name for name, _ in crossings("entered")] == ["Chilonzor"]
    assert crossings("exited") == [("Chilonzor", fixes[4].recorded_at.isoformat().replace("+00:00", "Z"))]
    dwell = OutboxEvent.objects.get(type="geofence.dwell")
    assert dwell.data["seconds_inside"] == 120.0
    exited = OutboxEvent.objects.get(type="geofence.exited", data__geofence_id__isnull=False)
    assert exited.data["seconds_inside"] == 180.0
    # the same points again, and an older offline batch inside the fence: nothing new
    send(tenant, agent, OUT, IN, IN, IN, OUT, start=start)
    send(tenant, agent, IN, IN, start=start - timedelta(minutes=30))
    assert len(crossings("entered")) == 1 and len(crossings("exited")) == 1
    assert OutboxEvent.objects.filter(type="geofence.dwell").count() == 1


def test_a_batch_out_of_order_is_judged_in_device_time(api, tenant, field):
    fence(api, field["manager"])
    start = timezone.now() - timedelta(hours=1)
    fixes = [
        Fix(index=n, recorded_at=start + timedelta(minutes=m), lat=place[0], lon=place[1])
        for n, (m, place) in enumerate([(2, OUT), (0, OUT), (1, IN)])
    ]
    batch = services.Batch(tenant_id=tenant.pk, agent_id=field["agent"].user_id, fixes=fixes, source="upload")
    services.record([batch])
    assert [at for _, at in crossings("entered")] == [(start + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")]
    assert len(crossings("exited")) == 1


def test_a_fence_for_some_agents_only(api, tenant, field):
    fence(api, field["manager"], agents=[field["other_agent"].user_id])
    send(tenant, field["agent"], OUT, IN)
    assert crossings("entered") == []
    send(tenant, field["other_agent"], OUT, IN)
    assert len(crossings("entered")) == 1


def test_a_clients_location_is_a_zone_for_its_agents(tenant, field):
    client = field["client"]  # at TASHKENT, radius 200 m, assigned to the first agent
    send(tenant, field["agent"], (client.lat + 0.01, client.lon), (client.lat + 0.0005, client.lon))
    entered = OutboxEvent.objects.get(type="geofence.entered", data__client_id=client.pk)
    assert entered.data["fence"] == f"c{client.pk}" and entered.data["name"] == client.name
    send(tenant, field["other_agent"], (client.lat + 0.01, client.lon), (client.lat + 0.0005, client.lon))
    assert OutboxEvent.objects.filter(type="geofence.entered", data__client_id=client.pk).count() == 1


def test_leaving_the_territory_in_working_hours_raises_one_alarm_until_back(api, tenant, field):
    fence(api, field["manager"], kind="territory", agents=[field["agent"].user_id])
    agent = field["agent"]
    start = timezone.now() - timedelta(hours=1)
    send(tenant, agent, IN, OUT, OUT, OUT, start=start)
    alarm = Alarm.objects.get(kind="outside_territory")
    assert alarm.cleared_at is None and alarm.details["agent_id"] == agent.user_id
    raised = OutboxEvent.objects.get(type="alarm.outside_territory")
    assert raised.data["territories"] == ["Chilonzor"]
    send(tenant, agent, IN, OUT, start=start + timedelta(minutes=10))
    alarm.refresh_from_db()
    assert alarm.cleared_at is not None
    assert Alarm.objects.filter(kind="outside_territory").count() == 2  # the next excursion is another alarm
    # the other agent has no territory: never an alarm
    send(tenant, field["other_agent"], OUT, OUT)
    assert Alarm.objects.filter(kind="outside_territory", details__agent_id=field["other_agent"].user_id).count() == 0


def test_outside_working_hours_no_alarm(api, tenant, field):
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # a Sunday; the territory is Mon-Fri
    fence(api, field["manager"], kind="territory", days=[0, 1, 2, 3, 4])
    send(tenant, field["agent"], IN, OUT, OUT, start=sunday)
    assert not Alarm.objects.filter(kind="outside_territory").exists()


def test_a_changed_fence_is_judged_at_the_next_batch(api, tenant, field):
    made = fence(api, field["manager"])
    send(tenant, field["agent"], OUT)
    moved = {
        **SQUARE,
        "coordinates": [[[69.265, 41.295], [69.275, 41.295], [69.275, 41.305], [69.265, 41.305], [69.265, 41.295]]],
    }
    body = {"name": "Moved", "geometry": moved}
    assert (
        api.put(f"/api/locations/geofences/{made['id']}/", body, format="json", **bearer(field["manager"])).status_code
        == 200
    )
    send(tenant, field["agent"], OUT, start=timezone.now() - timedelta(minutes=5))
    assert [name for name, _ in crossings("entered")] == ["Moved"]
    outsider = member_factory(tenant=tenant_factory())
    assert api.delete(f"/api/locations/geofences/{made['id']}/", **bearer(outsider)).status_code == 404
