"""The breadcrumbs end to end: real agents' phones and managers' dashboards on real sockets to a
real web process. Points are acknowledged once stored, reach the map in order, faster fixes are
coalesced, and another tenant's dashboard sees none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from domains.tracking.models import LocationPoint
from tests.factories import member_factory, tenant_factory
from tests.realtime.conftest import connect, in_thread


def points(n: int, *, start=None, offset: int = 0) -> list[dict]:  # type: ignore[no-untyped-def]
    start = start or timezone.now() - timedelta(seconds=30)
    return [
        {
            "id": f"pt-{offset + i}",
            "recorded_at": (start + timedelta(seconds=offset + i)).isoformat(),
            "lat": 41.3111 + (offset + i) * 0.00001,
            "lon": 69.2797,
            "accuracy": 5.0,
            "battery": 77,
        }
        for i in range(n)
    ]


@pytest.fixture
def crews(server):  # type: ignore[no-untyped-def]
    tenant, other = tenant_factory(), tenant_factory()
    return {
        "agent": member_factory(tenant=tenant, role=Role.AGENT),
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
        "viewer": member_factory(tenant=tenant, role=Role.VIEWER),
        "their_agent": member_factory(tenant=other, role=Role.AGENT),
        "their_manager": member_factory(tenant=other, role=Role.MANAGER),
    }


async def next_location(client, timeout: float = 3) -> dict:  # type: ignore[no-untyped-def]
    """The only agent's entry in the next agent.location_recorded, skipping presence changes."""
    while True:
        event = (await client.expect("event", timeout=timeout))["event"]
        if event["type"] == "agent.location_recorded":
            (entry,) = event["data"]["agents"]
            return entry
        assert event["type"] == "agent.presence_changed", event


async def test_points_are_acked_once_stored_and_reach_only_this_tenants_map_in_order(server, crews):
    dashboard = await connect(server, crews["manager"])
    await dashboard.send(type="subscribe", topic="agents.locations", ref=1)
    await dashboard.expect("subscribed", topic="agents.locations")
    snapshot = await dashboard.expect("snapshot", topic="agents.locations", part=1, parts=1)
    assert [(a["id"], a["presence"], a["position"]) for a in snapshot["agents"]] == [
        (crews["agent"].user_id, "offline", None)
    ]
    theirs = await connect(server, crews["their_manager"])
    await theirs.subscribe("agents.locations")
    their_snapshot = theirs.snapshots["agents.locations"]
    assert [a["id"] for a in their_snapshot["agents"]] == [crews["their_agent"].user_id]

    phone = await connect(server, crews["agent"])
    sent = points(3)
    await phone.send(type="location", ref="a1", points=sent)
    ack = await phone.expect("location_ack", ref="a1")
    assert (ack["received"], ack["stored"], ack["duplicates"], ack["rejected"]) == (3, 3, 0, [])
    stored = await in_thread(lambda: LocationPoint.objects.filter(agent_id=crews["agent"].user_id).count())
    assert stored == 3  # acknowledged means committed

    data = await next_location(dashboard)
    assert [t[0] for t in data["trail"]] == [p["recorded_at"].replace("+00:00", "Z") for p in sent]
    assert (data["agent_id"], data["lat"], data["points"], data["battery"]) == (
        crews["agent"].user_id,
        sent[-1]["lat"],
        3,
        77,
    )
    # the retry of an unacknowledged frame is harmless
    await phone.send(type="location", ref="a2", points=sent)
    assert (await phone.expect("location_ack", ref="a2"))["duplicates"] == 3
    await theirs.nothing(0.5)

    # a dashboard opened now starts from the agent's current position
    late = await connect(server, crews["manager"])
    await late.subscribe("agents.locations")
    (agent,) = late.snapshots["agents.locations"]["agents"]
    assert (agent["presence"], agent["position"]["lat"]) == ("online", sent[-1]["lat"])


async def test_fixes_faster_than_the_live_interval_are_coalesced_not_lost(server, crews):
    from core.models import Organization
    from domains.tracking import services

    tenant = await in_thread(lambda: Organization.objects.get(pk=crews["agent"].tenant_id))
    await in_thread(lambda: services.settings_update(tenant=tenant, live_interval_ms=1000))
    dashboard = await connect(server, crews["manager"])
    await dashboard.subscribe("agents.locations")
    phone = await connect(server, crews["agent"])
    sent = []
    for n in range(5):  # five frames within a fraction of the 1 s interval
        batch = points(2, offset=2 * n)
        sent += batch
        await phone.send(type="location", ref=n, points=batch)
        await phone.expect("location_ack", ref=n)
    trail, events = [], 0
    while len(trail) < len(sent):
        data = await next_location(dashboard, timeout=3)
        events += 1
        trail += data["trail"]
    assert events < 5
    assert [t[1] for t in trail] == [p["lat"] for p in sent]  # every point, in order
    await dashboard.nothing(1.2)


async def test_bad_location_frames_are_refused_and_store_nothing(server, crews):
    phone = await connect(server, crews["agent"])
    bad = points(2)
    del bad[1]["lat"]
    await phone.send(type="location", ref="x", points=bad)
    error = await phone.expect("error", ref="x")
    assert error["code"] == "invalid_location" and error["fields"]["points.1.lat"][0]["code"] == "required"
    await phone.send(type="location", ref="y", points="here")
    assert (await phone.expect("error", ref="y"))["code"] == "invalid_location"
    viewer = await connect(server, crews["viewer"])
    await viewer.send(type="location", ref="z", points=points(1))
    assert (await viewer.expect("error", ref="z"))["code"] == "forbidden_frame"
    assert await in_thread(lambda: LocationPoint.objects.count()) == 0


async def test_a_large_snapshot_comes_in_parts_under_the_message_limit(server, crews):
    from core.models import Membership, User

    tenant_id = crews["agent"].tenant_id

    def more_agents() -> None:
        users = User.objects.bulk_create(User(username=f"field-{n}", password="!") for n in range(230))
        Membership.objects.bulk_create(Membership(tenant_id=tenant_id, user=u, role=Role.AGENT) for u in users)

    await in_thread(more_agents)
    dashboard = await connect(server, crews["manager"])
    await dashboard.subscribe("agents.locations")
    snapshot = dashboard.snapshots["agents.locations"]
    assert snapshot["parts"] == 3 and len(snapshot["agents"]) == 231


async def test_a_far_check_in_is_flagged_on_the_managers_dashboard_at_once(server, crews):
    from domains.clients.models import Client, ClientAssignment
    from tests.realtime.conftest import access_token

    agent = crews["agent"]

    def shop() -> int:
        client = Client.objects.create(tenant_id=agent.tenant_id, name="Baraka", lat=41.3111, lon=69.2797)
        ClientAssignment.objects.create(tenant_id=agent.tenant_id, client=client, agent=agent.user)
        return client.pk

    client_id = await in_thread(shop)
    dashboard = await connect(server, crews["manager"])
    await dashboard.subscribe("visits")
    other = await connect(server, crews["their_manager"])
    await other.subscribe("visits")
    token = await in_thread(access_token, agent)
    planned = timezone.now().isoformat()
    status, visit = await in_thread(
        lambda: server.call("POST", "/api/visits/", token, {"client": client_id, "planned_at": planned})
    )
    assert status == 201, visit
    assert (await dashboard.expect("event"))["event"]["type"] == "visit.planned"
    far = {"lat": 41.3111 + 900 / 111_195, "lon": 69.2797, "accuracy": 5}
    status, body = await in_thread(lambda: server.call("POST", f"/api/visits/{visit['id']}/check-in/", token, far))
    assert status == 200 and body["checkin_verification"] == "out_of_range"
    event = (await dashboard.expect("event", timeout=1))["event"]
    assert event["type"] == "visit.checked_in"
    assert event["data"]["checkin_verification"] == "out_of_range" and 895 < event["data"]["checkin_distance_m"] < 905
    await other.nothing(0.5)


async def test_tracker_apps_share_the_sockets_group_commit_and_reach_the_map(server_factory, transactional_db):
    import re
    import threading
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from domains.tracking import services

    server = server_factory(name="trackers", METRICS_TOKEN="seen")
    tenant = await in_thread(tenant_factory)
    manager = await in_thread(lambda: member_factory(tenant=tenant, role=Role.MANAGER))
    agents = [await in_thread(lambda: member_factory(tenant=tenant, role=Role.AGENT)) for _ in range(12)]
    tokens = [
        (
            await in_thread(
                lambda a=a: services.device_create(tenant=tenant, agent_id=a.user_id, name="T", actor=a.user)
            )
        )[1]
        for a in agents
    ]

    def counters() -> dict[str, int]:
        request = urllib.request.Request(server.base + "/metrics", headers={"Authorization": "Bearer seen"})
        text = urllib.request.urlopen(request, timeout=10).read().decode()
        return {k: int(v) for k, v in re.findall(r"^oqim_locations_(batches|frames)_total (\d+)$", text, re.M)}

    dashboard = await connect(server, manager)
    await dashboard.subscribe("agents.locations")
    before = await in_thread(counters)
    start = threading.Barrier(len(tokens))
    stamp = int(timezone.now().timestamp()) - 5

    def send(token: str) -> int:
        start.wait()  # every app's request at once, as a fleet's do
        url = f"{server.base}/api/trackers/osmand/?id={token}&lat=41.3111&lon=69.2797&timestamp={stamp}&accuracy=5"
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status

    with ThreadPoolExecutor(len(tokens)) as pool:
        statuses = await in_thread(lambda: list(pool.map(send, tokens)))
    assert statuses == [200] * len(tokens)
    stored = await in_thread(lambda: LocationPoint.objects.filter(tenant_id=tenant.pk, source="osmand").count())
    assert stored == len(tokens)  # a 200 means committed
    after = await in_thread(counters)
    assert after["frames"] - before["frames"] == len(tokens)
    assert after["batches"] - before["batches"] < len(tokens)  # requests shared commits
    seen = set()
    while len(seen) < len(agents):
        event = (await dashboard.expect("event", timeout=5))["event"]
        if event["type"] == "agent.location_recorded":
            seen |= {entry["agent_id"] for entry in event["data"]["agents"]}
    assert seen == {a.user_id for a in agents}


async def test_a_tracker_app_refused_under_overload_gets_a_503_to_retry_and_nothing_is_stored(
    server_factory, transactional_db
):
    import json
    import urllib.error
    import urllib.request

    from domains.tracking import services

    server = server_factory(name="overloaded", LOCATIONS_QUEUE_MAX_FRAMES="0")
    tenant = await in_thread(tenant_factory)
    agent = await in_thread(lambda: member_factory(tenant=tenant, role=Role.AGENT))
    _device, token = await in_thread(
        lambda: services.device_create(tenant=tenant, agent_id=agent.user_id, name="T", actor=agent.user)
    )
    url = f"{server.base}/api/trackers/osmand/?id={token}&lat=41.3111&lon=69.2797"
    with pytest.raises(urllib.error.HTTPError) as refused:
        await in_thread(lambda: urllib.request.urlopen(url, timeout=10))
    assert refused.value.code == 503
    assert int(refused.value.headers["Retry-After"]) >= 1
    assert json.loads(refused.value.read())["error"]["code"] == "unavailable"
    assert await in_thread(lambda: LocationPoint.objects.filter(agent_id=agent.user_id).count()) == 0
