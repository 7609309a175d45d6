"""Visits over REST: GPS-verified check-in and check-out, one open visit per agent, the
checklist, photos, and who may see and change what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from domains.visits.models import StepKind, VisitStep
from realtime.models import OutboxEvent
from tests.factories import bearer
from tests.fieldwork import TASHKENT, client_factory, photo

pytestmark = pytest.mark.django_db
NORTH_900_M = (TASHKENT[0] + 900 / 111_195, TASHKENT[1])  # 900 m due north of the client


def plan(api, member, client, **extra):  # type: ignore[no-untyped-def]
    body = {"client": client.pk, "planned_at": (timezone.now() + timedelta(hours=1)).isoformat(), **extra}
    response = api.post("/api/visits/", body, format="json", **bearer(member))
    assert response.status_code == 201, response.content
    return response.json()


def check_in(api, member, visit_id, lat=None, lon=None, accuracy=5.0):  # type: ignore[no-untyped-def]
    body = {"lat": lat, "lon": lon, "accuracy": accuracy} if lat is not None else {}
    return api.post(f"/api/visits/{visit_id}/check-in/", body, format="json", **bearer(member))


def test_a_check_in_900_m_away_is_saved_and_flagged_with_its_distance(api, field):
    visit = plan(api, field["manager"], field["client"], agent=field["agent"].user_id)
    response = check_in(api, field["agent"], visit["id"], *NORTH_900_M)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "in_progress"
    assert body["checkin_verification"] == "out_of_range"
    assert 895 <= body["checkin_distance_m"] <= 905
    assert (body["checkin_lat"], body["checkin_lon"]) == NORTH_900_M
    event = OutboxEvent.objects.get(type="visit.checked_in")
    assert event.data["checkin_verification"] == "out_of_range"
    assert event.audience["users"] == [field["agent"].user_id] and "manager" in event.audience["roles"]


@pytest.mark.parametrize(
    ("fix", "expected"),
    [
        ((TASHKENT[0] + 100 / 111_195, TASHKENT[1], 10.0), "verified"),  # 100 m
        ((None, None, None), "unverifiable"),  # no fix
        ((0.0, 0.0, 5.0), "unverifiable"),  # a phone's "no fix" placeholder
        ((TASHKENT[0], TASHKENT[1], 900.0), "unverifiable"),  # too vague to trust
    ],
)
def test_check_in_verification(api, field, fix, expected):
    visit = plan(api, field["agent"], field["client"])
    body = check_in(api, field["agent"], visit["id"], *fix).json()
    assert body["checkin_verification"] == expected


def test_the_radius_is_the_tenants_to_configure(api, field):
    patched = api.patch("/api/field-settings/", {"checkin_radius_m": 1000}, format="json", **bearer(field["admin"]))
    assert patched.status_code == 200 and patched.json()["checkin_radius_m"] == 1000
    assert (
        api.patch("/api/field-settings/", {"checkin_radius_m": 1}, format="json", **bearer(field["admin"])).status_code
        == 400
    )
    assert api.patch("/api/field-settings/", {}, format="json", **bearer(field["manager"])).status_code == 403
    visit = plan(api, field["agent"], field["client"])
    assert check_in(api, field["agent"], visit["id"], *NORTH_900_M).json()["checkin_verification"] == "verified"


def test_a_client_without_location_makes_any_check_in_unverifiable(api, tenant, field):
    nowhere = client_factory(tenant=tenant, name="Unmapped", lat=None, lon=None, agents=[field["agent"]])
    visit = plan(api, field["agent"], nowhere)
    body = check_in(api, field["agent"], visit["id"], *TASHKENT).json()
    assert (body["checkin_verification"], body["checkin_distance_m"]) == ("unverifiable", None)


def test_lifecycle_rules(api, tenant, field):
    agent = field["agent"]
    first, second = plan(api, agent, field["client"]), plan(api, agent, field["client"])
    early = api.post(f"/api/visits/{first['id']}/check-out/", {}, format="json", **bearer(agent))
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_checked_in"
    assert check_in(api, agent, first["id"], *TASHKENT).status_code == 200
    busy = check_in(api, agent, second["id"], *TASHKENT)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "visit_open"
    assert busy.json()["error"]["open_visit"] == first["id"]
    twice = check_in(api, agent, first["id"], *TASHKENT)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "invalid_state"
    out = api.post(
        f"/api/visits/{first['id']}/check-out/",
        {"lat": TASHKENT[0], "lon": TASHKENT[1]},
        format="json",
        **bearer(agent),
    )
    assert out.status_code == 200 and out.json()["state"] == "completed"
    assert out.json()["checkout_verification"] == "verified"
    # the agent is free again; another agent is not affected at all
    assert check_in(api, agent, second["id"], *TASHKENT).status_code == 200
    theirs = plan(api, field["manager"], field["client"], agent=field["other_agent"].user_id)
    assert check_in(api, field["other_agent"], theirs["id"], *TASHKENT).status_code == 200
    cancelled = api.post(f"/api/visits/{second['id']}/cancel/", {"note": "shop closed"}, format="json", **bearer(agent))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = check_in(api, agent, second["id"], *TASHKENT)
    assert again.status_code == 409
    replan = api.patch(
        f"/api/visits/{first['id']}/", {"planned_at": timezone.now().isoformat()}, format="json", **bearer(agent)
    )
    assert replan.status_code == 409 and replan.json()["error"]["code"] == "invalid_state"
    assert [e.type for e in OutboxEvent.objects.filter(topic="visits").order_by("pk")].count("visit.checked_in") == 3


def test_checklist_results_and_required_steps(api, tenant, field):
    shelf = VisitStep.objects.create(tenant=tenant, name="Shelf checked", kind=StepKind.CHECK, required=True)
    facings = VisitStep.objects.create(tenant=tenant, name="Facings", kind=StepKind.NUMBER)
    agent = field["agent"]
    visit = plan(api, agent, field["client"])
    url = f"/api/visits/{visit['id']}/results/"
    before = api.post(url, {"step": shelf.pk, "value": True}, format="json", **bearer(agent))
    assert before.status_code == 409 and before.json()["error"]["code"] == "not_checked_in"
    check_in(api, agent, visit["id"], *TASHKENT)
    blocked = api.post(f"/api/visits/{visit['id']}/check-out/", {}, format="json", **bearer(agent))
    assert blocked.status_code == 409 and blocked.json()["error"]["steps"] == [shelf.pk]
    wrong = api.post(url, {"step": facings.pk, "value": "many"}, format="json", **bearer(agent))
    assert wrong.status_code == 400 and "value" in wrong.json()["error"]["fields"]
    assert api.post(url, {"step": facings.pk, "value": 12}, format="json", **bearer(agent)).json()["value"] == "12"
    assert api.post(url, {"step": shelf.pk, "value": True}, format="json", **bearer(agent)).status_code == 200
    done = api.post(f"/api/visits/{visit['id']}/check-out/", {}, format="json", **bearer(agent))
    assert done.status_code == 200, done.content
    assert {r["step"]: r["value"] for r in done.json()["results"]} == {shelf.pk: True, facings.pk: "12"}
    assert done.json()["checkout_verification"] == "unverifiable"


def test_agents_see_and_change_only_their_own_visits(api, tenant, field):
    agent, other = field["agent"], field["other_agent"]
    mine = plan(api, agent, field["client"])
    theirs = plan(api, field["manager"], field["client"], agent=other.user_id)
    listed = api.get("/api/visits/", **bearer(agent)).json()["results"]
    assert [v["id"] for v in listed] == [mine["id"]]
    assert api.get(f"/api/visits/{theirs['id']}/", **bearer(agent)).status_code == 404
    assert check_in(api, agent, theirs["id"], *TASHKENT).status_code == 404
    # a manager sees both, but checking in is the visit's agent's own act
    assert {v["id"] for v in api.get("/api/visits/", **bearer(field["manager"])).json()["results"]} == {
        mine["id"],
        theirs["id"],
    }
    refused = check_in(api, field["manager"], theirs["id"], *TASHKENT)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_visit"
    # an agent plans only for themselves, at their own clients
    for_other = api.post(
        "/api/visits/",
        {"client": field["client"].pk, "agent": other.user_id, "planned_at": timezone.now().isoformat()},
        format="json",
        **bearer(agent),
    )
    assert for_other.json()["error"]["fields"]["agent"][0]["code"] == "not_yours"
    stranger = client_factory(tenant=tenant, name="Not assigned", agents=[other])
    unassigned = api.post(
        "/api/visits/",
        {"client": stranger.pk, "planned_at": timezone.now().isoformat()},
        format="json",
        **bearer(agent),
    )
    assert unassigned.json()["error"]["fields"]["client"][0]["code"] == "not_assigned"
    # a viewer reads every visit but changes none
    assert len(api.get("/api/visits/", **bearer(field["viewer"])).json()["results"]) == 2
    assert api.post("/api/visits/", {}, format="json", **bearer(field["viewer"])).status_code == 403


def test_visit_photos_are_taken_during_the_visit(api, field):
    agent = field["agent"]
    visit = plan(api, agent, field["client"])
    url = f"/api/visits/{visit['id']}/photos/"
    early = api.post(url, {"file": photo()}, format="multipart", **bearer(agent))
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_checked_in"
    check_in(api, agent, visit["id"], *TASHKENT)
    added = api.post(url, {"file": photo(), "caption": "Shelf"}, format="multipart", **bearer(agent))
    assert added.status_code == 201, added.content
    assert api.get(added.json()["url"], **bearer(field["manager"])).status_code == 200
    assert [p["id"] for p in api.get(url, **bearer(field["manager"])).json()] == [added.json()["id"]]
    jpeg_named_text = api.post(
        url, {"file": photo("a.jpg", b"GIF89a....", "image/jpeg")}, format="multipart", **bearer(agent)
    )
    assert jpeg_named_text.json()["error"]["fields"]["file"][0]["code"] == "invalid_type"


def test_refusals_come_in_the_readers_language(api, field):  # type: ignore[no-untyped-def]
    agent = field["agent"]
    visit = plan(api, agent, field["client"])
    early = api.post(
        f"/api/visits/{visit['id']}/check-out/", {}, format="json", HTTP_ACCEPT_LANGUAGE="ru", **bearer(agent)
    )
    assert early.status_code == 409
    assert early.json()["error"]["message"] == "Перед завершением визита отметьте прибытие."
    # DRF's own field errors: Django REST framework ships no Uzbek, so they are ours (core/drf_words.py).
    empty = api.post("/api/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="uz", **bearer(agent))
    error = empty.json()["error"]
    assert empty.status_code == 400 and error["code"] == "invalid"
    assert error["message"] == "Baʼzi maydonlar notoʻgʻri toʻldirilgan."  # noqa: RUF001
    assert error["fields"]["client"] == [{"code": "required", "message": "Bu maydon toʻldirilishi shart."}]  # noqa: RUF001
    english = api.post("/api/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en", **bearer(agent))
    assert english.json()["error"]["fields"]["client"][0]["message"] == "This field is required."

    # The member's own choice comes before the request's Accept-Language, and follows them.
    chose = api.patch("/api/me/", {"language": "ru"}, format="json", HTTP_ACCEPT_LANGUAGE="en", **bearer(agent))
    assert chose.status_code == 200 and chose.json()["language"] == "ru"
    assert chose["Content-Language"] == "ru"
    preferred = api.post("/api/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en", **bearer(agent))
    assert preferred.json()["error"]["fields"]["client"][0]["message"] == "Обязательное поле."
    assert preferred["Content-Language"] == "ru"
    # ...but the console's switch on this device (its cookie) is what the person sees now.
    api.cookies["django_language"] = "uz"
    console = api.post("/api/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en", **bearer(agent))
    assert console.json()["error"]["message"] == "Baʼzi maydonlar notoʻgʻri toʻldirilgan."  # noqa: RUF001
    del api.cookies["django_language"]
    bad = api.patch("/api/me/", {"language": "fr"}, format="json", **bearer(agent))
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["language"][0]["code"] == "invalid_choice"
    forgot = api.patch("/api/me/", {"language": ""}, format="json", **bearer(agent))
    assert forgot.json()["language"] == ""
    english = api.post("/api/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en", **bearer(agent))
    assert english.json()["error"]["fields"]["client"][0]["message"] == "This field is required."
