"""Clients and reference dictionaries over REST: search, filters, agents' scope, constant
queries at any size, photos with type and size checks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from domains.clients.models import ClientPhoto, Reference
from tests.factories import bearer, member_factory, tenant_factory
from tests.fieldwork import client_factory, photo

pytestmark = pytest.mark.django_db


def test_search_matches_name_code_and_phone_digits(api, tenant, field):
    client_factory(tenant=tenant, name="Oila Supermarket", code="C-0102", phone="+998 (90) 123-45-67")
    client_factory(tenant=tenant, name="Family Mart", code="C-0200", phone="+998 91 000 00 00")
    headers = bearer(field["manager"])

    def names(query: str) -> list[str]:
        response = api.get("/api/clients/", {"search": query}, **headers)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names("supermar") == ["Oila Supermarket"]
    assert names("C-01") == ["Oila Supermarket"]
    assert names("901234567") == ["Oila Supermarket"]  # digits, whatever the punctuation
    assert names("mart") == ["Family Mart"]
    assert names("nothing like it") == []


def test_filters_and_cursor_pages(api, tenant, field):
    for n in range(7):
        client_factory(tenant=tenant, name=f"Shop {n}", lat=None, lon=None)
    headers = bearer(field["manager"])
    agent_id = field["agent"].user_id
    mine = api.get("/api/clients/", {"agent": agent_id}, **headers).json()["results"]
    assert [c["id"] for c in mine] == [field["client"].pk] and mine[0]["agents"] == [agent_id]
    located = api.get("/api/clients/", {"has_location": "true"}, **headers).json()["results"]
    assert [c["id"] for c in located] == [field["client"].pk]
    chosen = api.get("/api/clients/", {"ids": f"{field['client'].pk},999999"}, **headers).json()["results"]
    assert [c["id"] for c in chosen] == [field["client"].pk]  # the map asks for its visits' clients
    bad = api.get("/api/clients/", {"ids": "1,abc"}, **headers)
    assert bad.status_code == 400 and "ids" in bad.json()["error"]["fields"]
    seen, url = [], "/api/clients/?page_size=3"
    while url:
        page = api.get(url, **headers).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == 8 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("ordering", ["-id", "id"])
def test_searches_page_by_a_computed_key_in_either_order(api, tenant, field, ordering):
    made = [client_factory(tenant=tenant, name=f"Corner shop {n}").pk for n in range(7)]
    client_factory(tenant=tenant, name="Bakery")
    headers = bearer(field["manager"])
    seen, url = [], f"/api/clients/?search=shop&page_size=3&ordering={ordering}"
    while url:
        page = api.get(url, **headers).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=ordering == "-id")
    # and back again from the last page
    back = api.get(f"/api/clients/?search=shop&page_size=3&ordering={ordering}", **headers).json()
    following = api.get(back["next"], **headers).json()
    previous = api.get(following["previous"], **headers).json()
    assert [row["id"] for row in previous["results"]] == seen[:3]
    # ordered by the computed key, so the planner cannot choose to walk the whole primary key
    with CaptureQueriesContext(connection) as queries:
        api.get(f"/api/clients/?search=shop&ordering={ordering}", **headers)
    (listing,) = [q["sql"] for q in queries.captured_queries if 'FROM "clients_client"' in q["sql"]]
    assert 'AS "page_key"' in listing and 'ORDER BY "clients_client"."id"' not in listing


def _queries(api, url, headers) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, **headers).status_code == 200
    return len(queries)


def test_list_and_detail_use_the_same_number_of_queries_at_any_size(api, tenant, field):
    agents = [member_factory(tenant=tenant, role=Role.AGENT) for _ in range(3)]
    headers = bearer(field["manager"])
    client_factory(tenant=tenant, agents=agents)
    _queries(api, "/api/clients/", headers)  # the caller's membership is remembered from here on
    small = _queries(api, "/api/clients/", headers)
    for n in range(40):
        client_factory(tenant=tenant, name=f"Shop {n}", agents=agents)
    assert _queries(api, "/api/clients/", headers) == small
    one = client_factory(tenant=tenant, name="Solo", agents=agents[:1])
    assert _queries(api, f"/api/clients/{one.pk}/", headers) == _queries(
        api, f"/api/clients/{field['client'].pk}/", headers
    )


def test_an_agent_sees_only_assigned_clients(api, tenant, field):
    elsewhere = client_factory(tenant=tenant, name="Not mine", agents=[field["other_agent"]])
    headers = bearer(field["agent"])
    rows = api.get("/api/clients/", **headers).json()["results"]
    assert [r["id"] for r in rows] == [field["client"].pk]
    assert api.get(f"/api/clients/{elsewhere.pk}/", **headers).status_code == 404
    assert api.post("/api/clients/", {"name": "Mine now"}, format="json", **headers).status_code == 403


def test_create_edit_and_soft_delete(api, tenant, field):
    headers = bearer(field["manager"])
    body = {"name": "New shop", "code": "N-1", "phone": "+998 90 555 44 33", "lat": 41.3, "lon": 69.2}
    created = api.post("/api/clients/", {**body, "agents": [field["agent"].user_id]}, format="json", **headers)
    assert created.status_code == 201, created.content
    client = created.json()
    assert client["agents"] == [field["agent"].user_id]
    again = api.post("/api/clients/", {**body, "name": "Copy"}, format="json", **headers)
    assert again.status_code == 400 and "code" in again.json()["error"]["fields"]
    edited = api.patch(f"/api/clients/{client['id']}/", {"agents": [], "address": "Navoi 1"}, format="json", **headers)
    assert edited.status_code == 200 and edited.json()["agents"] == [] and edited.json()["address"] == "Navoi 1"
    assert api.delete(f"/api/clients/{client['id']}/", **headers).status_code == 204
    assert api.get(f"/api/clients/{client['id']}/", **headers).status_code == 404
    # the code of a deleted client is free again
    assert api.post("/api/clients/", {**body, "name": "Reborn"}, format="json", **headers).status_code == 201


@pytest.mark.parametrize(
    ("body", "field_name", "code"),
    [
        ({"name": "x", "lat": 41.3}, "lon", "invalid"),
        ({"name": "x", "lat": 91, "lon": 69}, "lat", "max_value"),
        ({"name": "x", "lat": 0, "lon": 0}, "lat", "zero_location"),
        ({"name": ""}, "name", "blank"),
        ({"name": "x", "colour": "red"}, "colour", "unknown_field"),
        ({"name": "x", "agents": [999999]}, "agents.0", "does_not_exist"),
    ],
)
def test_bad_client_input_names_the_field(api, field, body, field_name, code):
    response = api.post("/api/clients/", body, format="json", **bearer(field["manager"]))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][field_name][0]["code"] == code


def test_only_members_who_make_visits_can_be_assigned(api, tenant, field):
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER)
    stranger = member_factory(tenant=tenant_factory(), role=Role.AGENT)
    headers = bearer(field["manager"])
    for user_id, code in ((customer.user_id, "not_an_agent"), (stranger.user_id, "does_not_exist")):
        response = api.post("/api/clients/", {"name": "x", "agents": [user_id]}, format="json", **headers)
        assert response.json()["error"]["fields"]["agents.0"][0]["code"] == code


def test_photos_are_checked_by_content_and_size_and_served_behind_auth(api, tenant, field, settings):
    client = field["client"]
    headers = bearer(field["agent"])  # the agent photographs an assigned client
    url = f"/api/clients/{client.pk}/photos/"
    added = api.post(url, {"file": photo(), "caption": "Front"}, format="multipart", **headers)
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["content_type"], body["caption"]) == ("image/png", "Front")
    download = api.get(body["url"], **headers)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert api.get(body["url"], **bearer(member_factory(tenant=tenant_factory()))).status_code in (401, 403, 404)
    # a text file calling itself a PNG, and a picture over the limit
    fake = api.post(url, {"file": photo("x.png", b"hello, not a picture")}, format="multipart", **headers)
    assert fake.json()["error"]["fields"]["file"][0]["code"] == "invalid_type"
    settings.PHOTO_MAX_BYTES = 50
    big = api.post(url, {"file": photo()}, format="multipart", **headers)
    assert big.json()["error"]["fields"]["file"][0]["code"] == "too_large"
    assert ClientPhoto.objects.count() == 1
    assert [p["id"] for p in api.get(url, **headers).json()] == [body["id"]]


def test_a_photo_whose_file_left_storage_is_a_404_not_a_500(api, field):
    headers = bearer(field["agent"])
    added = api.post(f"/api/clients/{field['client'].pk}/photos/", {"file": photo()}, format="multipart", **headers)
    stored = ClientPhoto.objects.get(pk=added.json()["id"])
    stored.file.storage.delete(stored.file.name)  # a restored database without its media volume
    response = api.get(added.json()["url"], **headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "file_missing"


def test_photo_references_must_be_of_the_right_dictionary(api, tenant, field):
    status = Reference.objects.create(tenant=tenant, kind="image_status", name="Approved")
    visit_type = Reference.objects.create(tenant=tenant, kind="visit_type", name="Regular")
    url = f"/api/clients/{field['client'].pk}/photos/"
    headers = bearer(field["manager"])
    wrong = api.post(url, {"file": photo(), "status": visit_type.pk}, format="multipart", **headers)
    assert wrong.json()["error"]["fields"]["status"][0]["code"] == "does_not_exist"
    right = api.post(url, {"file": photo(), "status": status.pk}, format="multipart", **headers)
    assert right.status_code == 201 and right.json()["status_name"] == "Approved"


def test_references_are_edited_by_admins_and_read_by_staff(api, tenant, field):
    body = {"kind": "priority", "name": "Urgent", "color": "#ff0000"}
    assert api.post("/api/references/", body, format="json", **bearer(field["manager"])).status_code == 403
    created = api.post("/api/references/", body, format="json", **bearer(field["admin"]))
    assert created.status_code == 201, created.content
    dup = api.post("/api/references/", {**body, "name": "urgent"}, format="json", **bearer(field["admin"]))
    assert dup.status_code == 400 and dup.json()["error"]["fields"]["name"][0]["code"] == "unique"
    bad = api.post("/api/references/", {"kind": "mood", "name": "x"}, format="json", **bearer(field["admin"]))
    assert bad.json()["error"]["fields"]["kind"][0]["code"] == "invalid_choice"
    listed = api.get("/api/references/", {"kind": "priority"}, **bearer(field["agent"])).json()
    assert [r["name"] for r in listed] == ["Urgent"]
    ref = created.json()["id"]
    assert api.delete(f"/api/references/{ref}/", **bearer(field["admin"])).status_code == 204
    assert api.get("/api/references/", **bearer(field["agent"])).json() == []
    assert Reference.all_objects.get(pk=ref).is_deleted
