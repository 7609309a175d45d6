"""Tracker apps: device tokens (shown once, stored hashed, revoked at once), the OsmAnd protocol
as Traccar reads it, Traccar Client 9's JSON and OwnTracks over HTTP; each point through the
same judging, dedupe and storage as the socket's."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.roles import Role
from domains.tracking.models import AgentState, Device, LocationPoint
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, tenant_factory

pytestmark = pytest.mark.django_db
OSMAND = "/api/trackers/osmand/"


@pytest.fixture
def token(api, field) -> str:  # type: ignore[no-untyped-def]
    made = api.post("/api/locations/devices/", {"name": "Traccar Client"}, format="json", **bearer(field["agent"]))
    assert made.status_code == 201, made.content
    return made.json()["token"]


def points(field):  # type: ignore[no-untyped-def]
    return LocationPoint.objects.filter(agent_id=field["agent"].user_id).order_by("recorded_at")


def test_a_token_is_shown_once_and_kept_hashed(api, field, token):
    device = Device.objects.get()
    assert token not in (device.token_hash, device.token_hint) and token.endswith(device.token_hint)
    listed = api.get("/api/locations/devices/", **bearer(field["agent"])).json()["results"]
    assert [d["name"] for d in listed] == ["Traccar Client"] and "token" not in listed[0]
    # another agent sees none of it; a manager sees every agent's and makes one for an agent
    assert api.get("/api/locations/devices/", **bearer(field["other_agent"])).json()["results"] == []
    manager = bearer(field["manager"])
    assert len(api.get("/api/locations/devices/", **manager).json()["results"]) == 1
    body = {"name": "OwnTracks", "agent": field["other_agent"].user_id}
    assert api.post("/api/locations/devices/", body, format="json", **manager).status_code == 201
    refused = api.post("/api/locations/devices/", body, format="json", **bearer(field["agent"]))
    assert refused.status_code == 403
    cook = member_factory(tenant=field["agent"].tenant, role=Role.COOK)
    not_agent = {"name": "x", "agent": cook.user_id}
    assert api.post("/api/locations/devices/", not_agent, format="json", **manager).status_code == 400


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1767225600", datetime(2026, 1, 1, tzinfo=UTC)),
        ("1767225600500", datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2026-01-01T05:00:00+05:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01 00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_osmand_times_as_traccar_reads_them(api, field, token, settings, stamp, expected):
    settings.LOCATIONS_RETENTION_DAYS = 3650
    answer = api.get(OSMAND, {"id": token, "timestamp": stamp, "lat": "41.3", "lon": "69.2"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["stored"] == 1
    assert points(field).get().recorded_at == expected


def test_an_osmand_post_form_with_location_knots_and_attributes(api, field, token):
    now = int(timezone.now().timestamp())
    form = {
        "deviceid": token,
        "timestamp": str(now),
        "location": "41.31,69.28",
        "speed": "10",
        "bearing": "90",
        "altitude": "455",
        "accuracy": "8",
        "batt": "77.5",
        "hdop": "0.9",
        "charge": "true",
    }
    answer = api.post(OSMAND, form)
    assert answer.status_code == 200 and answer.json()["stored"] == 1
    point = points(field).get()
    assert (point.lat, point.lon, point.heading, point.altitude, point.battery) == (41.31, 69.28, 90, 455, 78)
    assert point.speed == pytest.approx(5.14444) and point.source == "osmand"
    assert point.attributes == {"hdop": "0.9", "charge": "true"}
    state = AgentState.objects.get(agent_id=field["agent"].user_id)
    assert state.lat == 41.31  # the live state, as for the socket's points
    assert OutboxEvent.objects.filter(type="agent.location_recorded").exists()
    # the same point again is a duplicate, not a second point
    assert api.post(OSMAND, form).json()["duplicates"] == 1
    assert Device.objects.get().last_used_at is not None


def test_an_invalid_fix_is_kept_and_filtered(api, field, token):
    api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2", "valid": "false"})
    assert points(field).get().filtered == "invalid"


def test_traccar_client_json(api, field, token):
    body = {
        "device_id": token,
        "location": {
            "timestamp": timezone.now().isoformat(),
            "coords": {"latitude": 41.3, "longitude": 69.2, "accuracy": 5, "speed": 3.5, "heading": -1},
            "battery": {"level": 0.42, "is_charging": False},
            "is_moving": True,
            "odometer": 1200,
        },
    }
    answer = api.post(OSMAND, body, format="json")
    assert answer.status_code == 200, answer.content
    point = points(field).get()
    assert (point.speed, point.heading, point.battery) == (3.5, None, 42)
    assert point.attributes == {"is_moving": True, "odometer": 1200}


@pytest.mark.parametrize(
    ("params", "name", "code"),
    [
        ({"lat": "41", "lon": "69"}, "id", "required"),
        ({"id": "oqd_nobody", "lat": "41", "lon": "69"}, "id", "unknown_device"),
        ({"lat": "41"}, "lon", "required"),
        ({"lat": "north", "lon": "69"}, "lat", "invalid"),
        ({"location": "41"}, "location", "invalid"),
        ({"lat": "41", "lon": "69", "timestamp": "yesterday"}, "timestamp", "invalid"),
        ({"lat": "41", "lon": "69", "speed": "-3"}, "speed", "out_of_range"),
        ({"lat": "41", "lon": "69", "batt": "140"}, "batt", "out_of_range"),
    ],
)
def test_bad_osmand_requests_get_a_400_naming_the_parameter(api, field, token, params, name, code):
    params = {"id": token, **params} if "id" not in params and name != "id" else params
    answer = api.get(OSMAND, params)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["fields"][name][0]["code"] == code
    assert not points(field).exists()


@pytest.fixture
def remembering(monkeypatch):  # type: ignore[no-untyped-def]
    """Devices remembered in this process whatever the cache (the embedded run's is
    process-local, which is not trusted for it: one test process is all there is here)."""
    from domains.tracking.services import devices

    monkeypatch.setattr(devices, "PROCESS_LOCAL", ())
    devices._known.clear()
    yield devices
    devices._known.clear()


def test_a_revoked_token_or_a_departed_agent_stops_at_once(api, field, token, remembering):
    def send(token: str) -> Any:
        return api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2"})

    assert send(token).status_code == 200  # the process now remembers the device
    device = Device.objects.get()
    assert api.delete(f"/api/locations/devices/{device.pk}/", **bearer(field["agent"])).status_code == 204
    answer = send(token)
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["id"][0]["code"] == "unknown_device"
    fresh = api.post("/api/locations/devices/", {"name": "again"}, format="json", **bearer(field["agent"])).json()
    assert send(fresh["token"]).status_code == 200
    field["agent"].mark_deleted()
    field["agent"].save()
    assert send(fresh["token"]).status_code == 400
    outsider = member_factory(tenant=tenant_factory(), role=Role.ADMIN)
    assert api.delete(f"/api/locations/devices/{device.pk}/", **bearer(outsider)).status_code == 404


@pytest.mark.parametrize("change", ["role", "user"])
def test_a_remembered_device_stops_when_its_agent_may_no_longer_report(api, field, token, change, remembering):
    assert api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2"}).status_code == 200
    assert remembering._known
    agent = field["agent"]
    if change == "role":
        agent.role = Role.COOK
        agent.save()
    else:
        agent.user.is_active = False
        agent.user.save()
    assert api.get(OSMAND, {"id": token, "lat": "41.31", "lon": "69.2"}).status_code == 400
    assert points(field).count() == 1


def test_a_remembered_device_reads_the_database_without_its_cache(api, field, token, monkeypatch, remembering):
    assert api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2"}).status_code == 200

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(remembering.membership_cache, "lookup", unreachable)
    assert api.get(OSMAND, {"id": token, "lat": "41.31", "lon": "69.2"}).status_code == 200
    Device.objects.update(revoked_at=timezone.now())  # behind the cache's back: the row decides
    assert api.get(OSMAND, {"id": token, "lat": "41.32", "lon": "69.2"}).status_code == 400
    assert points(field).count() == 2


def test_a_device_whose_generation_the_cache_lost_is_read_again(api, field, token, remembering):
    assert api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2"}).status_code == 200
    assert api.get(OSMAND, {"id": token, "lat": "41.31", "lon": "69.2"}).status_code == 200
    cache.clear()  # evicted, flushed or restarted: no generation to trust
    Device.objects.update(revoked_at=timezone.now())  # and revoked behind its back
    assert api.get(OSMAND, {"id": token, "lat": "41.32", "lon": "69.2"}).status_code == 400
    assert points(field).count() == 2


def test_a_process_local_cache_remembers_no_device(api, field, token, settings):
    from domains.tracking.services import devices

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    devices._known.clear()
    assert api.get(OSMAND, {"id": token, "lat": "41.3", "lon": "69.2"}).status_code == 200
    assert not devices._known


def test_owntracks_over_http(api, field, token):
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"aziz:{token}".encode()).decode()}
    message = {"_type": "location", "lat": 41.3, "lon": 69.2, "tst": int(timezone.now().timestamp()), "acc": 12}
    message |= {"batt": 64, "vel": 36, "cog": 180, "tid": "az", "conn": "m"}
    answer = api.post("/api/trackers/owntracks/", message, format="json", **auth)
    assert answer.status_code == 200 and answer.json() == []
    point = points(field).get()
    assert (point.source, point.accuracy, point.battery, point.speed) == ("owntracks", 12, 64, 10)
    assert point.attributes == {"tid": "az", "conn": "m"}
    # other message types are accepted and left; no token is a 400
    waypoint = api.post(f"/api/trackers/owntracks/?token={token}", {"_type": "waypoint"}, format="json")
    assert waypoint.status_code == 200 and points(field).count() == 1
    assert api.post("/api/trackers/owntracks/", message, format="json").status_code == 400
