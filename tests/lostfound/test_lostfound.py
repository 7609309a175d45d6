"""A domain that exists only under tests/ (this folder, and its INSTALLED_APPS line in
tests/settings.py) declares a capability, a topic, an event with its sentence, an alarm kind and
a console page, and each works end to end with no line of it anywhere else: REST refuses and
admits by role, its event arrives live on its topic, its alarm is raised, listed in the reader's
language and notified, and its page is in the navigation of those who may open it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client as BrowserClient

from core.models import User
from core.roles import Role
from domains.alarms.models import Alarm
from domains.notifications import services as notify
from domains.notifications.models import Notification
from realtime.fanout import fan_out
from tests.factories import PASSWORD, bearer, member_factory, tenant_factory
from tests.realtime.conftest import access_token, connect, in_thread

ITEMS = "/api/lostfound/items/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        (Role.ADMIN, 200, 201),
        (Role.MANAGER, 200, 201),
        (Role.COOK, 200, 201),
        (Role.VIEWER, 200, 403),
        (Role.CASHIER, 403, 403),
        (Role.CUSTOMER, 403, 403),
    ],
)
def test_its_capabilities_decide_who_may_read_and_write(api, tenant, role, reads, writes):
    headers = bearer(member_factory(tenant=tenant, role=role))
    assert api.get(ITEMS, **headers).status_code == reads
    answer = api.post(ITEMS, {"description": "Blue mitten"}, format="json", **headers)
    assert answer.status_code == writes, answer.content
    if writes == 403:
        assert "lostfound.record" in answer.json()["error"]["message"]
    me = api.get("/api/me/", **headers).json()
    assert ("lostfound.view" in me["capabilities"]) == (reads == 200)


@pytest.mark.django_db
def test_bad_input_is_refused_naming_the_field(api, tenant, admin):
    answer = api.post(ITEMS, {"valuable": "sometimes"}, format="json", **bearer(admin))
    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"description", "valuable"}


async def test_its_event_arrives_live_on_its_topic_to_those_allowed(server):
    tenant = await in_thread(tenant_factory)
    manager = await in_thread(member_factory, tenant=tenant, role=Role.MANAGER)
    cook = await in_thread(member_factory, tenant=tenant, role=Role.COOK)
    cashier = await in_thread(member_factory, tenant=tenant, role=Role.CASHIER)
    board = await connect(server, manager)
    await board.subscribe("lostfound")
    till = await connect(server, cashier)
    await till.send(type="subscribe", topic="lostfound")
    refused = await till.expect("error")
    assert refused["code"] == "forbidden_topic", refused
    # when the cook logs a thing found over REST
    status, body = await in_thread(lambda: server.call("POST", ITEMS, access_token(cook), {"description": "Red scarf"}))
    assert status == 201, body
    # then the manager's socket has it, as the event type declares it
    frame = await board.expect("event", timeout=5, topic="lostfound")
    assert frame["event"]["type"] == "lostfound.item_logged"
    assert frame["event"]["data"] == {"item_id": body["id"], "description": "Red scarf", "valuable": False}


@pytest.mark.django_db
def test_its_alarm_is_raised_listed_in_the_readers_language_and_notified(api, tenant, admin):
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    preference = notify.preference_for(tenant_id=tenant.pk, user=manager.user)
    notify.preference_update(preference=preference, email="manager@example.com", language="ru")
    notify.rule_save(
        tenant=tenant, name="Valuables", event_types=["alarm.lostfound_valuable"], roles=["manager"], channels=["email"]
    )
    # when something valuable is logged
    made = api.post(ITEMS, {"description": "Gold ring", "valuable": True}, format="json", **bearer(admin))
    assert made.status_code == 201
    # then its alarm is there, read in each reader's language
    alarm = Alarm.objects.get(tenant=tenant, kind="lostfound_valuable")
    assert alarm.message == "Something valuable was found: Gold ring."
    listed = api.get("/api/alarms/", **bearer(manager), HTTP_ACCEPT_LANGUAGE="ru").json()["results"]
    assert [(a["kind"], a["kind_label"], a["message"]) for a in listed] == [
        ("lostfound_valuable", "Найдена ценная вещь", "Найдена ценная вещь: Gold ring.")
    ]
    assert api.get("/api/alarms/?kind=lostfound_valuable", **bearer(manager)).json()["results"][0]["id"] == alarm.pk
    # and the rule tells the manager, in Russian, once the events are handed over
    fan_out()
    (message,) = Notification.objects.filter(event_type="alarm.lostfound_valuable")
    assert (message.user_id, message.channel, message.language) == (manager.user_id, "email", "ru")
    assert notify.send(message.pk) == "sent"
    (sent,) = mail.outbox
    assert sent.to == ["manager@example.com"] and "Найдена ценная вещь: Gold ring." in sent.body


@pytest.mark.django_db
def test_its_page_is_in_the_navigation_of_those_who_may_open_it(tenant):
    def signed_in(role: str) -> BrowserClient:
        member = member_factory(tenant=tenant, role=role)
        client = BrowserClient(HTTP_ACCEPT_LANGUAGE="ru")
        client.post("/console/login/", {"username": member.user.username, "password": PASSWORD})
        return client

    cook = signed_in(Role.COOK)
    shell = cook.get("/console/kitchen/").content.decode()
    assert 'href="/console/lostfound/"' in shell and "Бюро находок" in shell
    page = cook.get("/console/lostfound/")
    assert page.status_code == 200
    assert b"/static/lostfound/pages/lostfound.js" in page.content and "Найденные вещи" in page.content.decode()
    cashier = signed_in(Role.CASHIER)
    assert 'href="/console/lostfound/"' not in cashier.get("/console/till/").content.decode()
    assert cashier.get("/console/lostfound/").status_code == 403


@pytest.mark.django_db
def test_its_rows_show_in_the_admin_read_only(api, tenant, admin):
    api.post(ITEMS, {"description": "Umbrella"}, format="json", **bearer(admin))
    operator = BrowserClient()
    operator.force_login(User.objects.create_superuser("operator", "ops@example.com", "a-Long-pass-123"))
    index = operator.get("/admin/").content.decode()
    assert "Lost and found" in index and "/admin/lostfound/item/" in index
    listed = operator.get("/admin/lostfound/item/")
    assert listed.status_code == 200 and "Umbrella" in listed.content.decode()
    assert operator.get("/admin/lostfound/item/add/").status_code == 403  # changes go through its services
    assert operator.get("/admin/kitchen/meal/").status_code == 200  # and so do the shipped domains' rows
