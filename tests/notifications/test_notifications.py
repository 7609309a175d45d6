"""Notifications against real counterparts: a fake Telegram Bot API server over HTTP (429 with
retry_after, 5xx), a real SMTP server (aiosmtpd), a real HTTP receiver as the SMS gateway.
Rules pick members and channels; each member gets one message per event and channel, in their
language, after their quiet hours, never with a secret in it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.utils import timezone, translation

from core.roles import Role
from domains.alarms.models import Alarm
from domains.notifications import services
from domains.notifications.models import Notification, Preference
from domains.notifications.tasks import poll_telegram
from domains.stock import services as stock
from realtime.fanout import fan_out
from tests.factories import bearer, member_factory, stock_up, tenant_factory
from tests.notifications.fakes import fake_bot_api, smtp_server
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot(settings):  # type: ignore[no-untyped-def]
    with fake_bot_api() as api:
        settings.TELEGRAM_API_URL = api.url
        yield api


@pytest.fixture
def crew(tenant, admin):  # type: ignore[no-untyped-def]
    return {
        "admin": admin,
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
        "cook": member_factory(tenant=tenant, role=Role.COOK),
    }


def rule(api, admin, **values):  # type: ignore[no-untyped-def]
    body = {"name": "Low stock", "event_types": ["stock.low"], "roles": ["manager"], "channels": ["telegram"], **values}
    made = api.post("/api/notifications/rules/", body, format="json", **bearer(admin))
    assert made.status_code == 201, made.content
    return made.json()


def low_stock(tenant, admin, capture, name="Rice"):  # type: ignore[no-untyped-def]
    """A product falling under its minimum: one committed stock.low."""
    with capture(execute=True):
        rice = stock.product_create(tenant=tenant, name=name, unit="kg", actor=admin.user)
        stock_up(rice, 10, actor=admin.user)
        rice = stock.product_update(product=rice, minimum=Decimal(5), actor=admin.user)
        stock.adjust(product=rice, reason="waste", quantity=Decimal(-7), actor=admin.user)
        fan_out()  # what the worker does after the commit: the rules' messages are queued
    return rice


def linked(api, bot, member, chat_id: int, language: str = "uz") -> None:  # type: ignore[no-untyped-def]
    assert (
        api.patch("/api/notifications/me/", {"language": language}, format="json", **bearer(member)).status_code == 200
    )
    link = api.post("/api/notifications/me/telegram/", **bearer(member))
    assert link.status_code == 201, link.content
    assert link.json()["url"].startswith("https://t.me/oqim_test_bot?start=")
    bot.press_start(chat_id, link.json()["code"])
    poll_telegram.fn()


def test_a_manager_links_telegram_and_gets_low_stock_in_their_language(
    api, tenant, crew, bot, django_capture_on_commit_callbacks
):
    def put(token: str):  # type: ignore[no-untyped-def]
        return api.put("/api/notifications/telegram-bot/", {"token": token}, format="json", **bearer(crew["admin"]))

    malformed = put("1:nope")
    assert malformed.status_code == 400 and malformed.json()["error"]["fields"]["token"][0]["code"] == "invalid"
    wrong = put("999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")  # well formed; Telegram does not know it
    assert wrong.status_code == 400 and wrong.json()["error"]["fields"]["token"][0]["code"] == "telegram_refused"
    connected = api.put(
        "/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"])
    )
    assert connected.json() == {"connected": True, "username": "oqim_test_bot"}
    assert bot.token not in json.dumps(api.get("/api/notifications/telegram-bot/", **bearer(crew["admin"])).json())
    rule(api, crew["admin"])
    linked(api, bot, crew["manager"], chat_id=555, language="ru")
    linked(api, bot, crew["cook"], chat_id=777)  # linked, but no rule names cooks
    (confirmation, _cooks) = bot.sent()
    assert confirmation["chat_id"] == 555 and "Oqim" in confirmation["text"] and "чат" in confirmation["text"]
    mine = api.get("/api/notifications/me/", **bearer(crew["manager"])).json()
    assert mine["telegram_linked"] and mine["telegram_name"] == "aziza" and mine["language"] == "ru"

    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
    (message,) = Notification.objects.filter(event_type="stock.low")
    assert (message.user_id, message.channel, message.language) == (crew["manager"].user_id, "telegram", "ru")
    assert services.send(message.pk) == "sent"
    assert services.send(message.pk) == "not due"  # a job run twice sends once
    sent = bot.sent()[-1]
    assert sent["chat_id"] == 555 and "Rice" in sent["text"] and "Мало" in sent["text"]
    assert len(bot.sent()) == 3
    log = api.get("/api/notifications/log/", **bearer(crew["admin"])).json()["results"]
    assert [(n["state"], n["attempts"], n["channel"]) for n in log] == [("sent", 1, "telegram")]
    assert api.get("/api/notifications/log/", **bearer(crew["manager"])).status_code == 403


def test_telegrams_retry_after_is_honoured_and_a_5xx_retried(
    api, tenant, crew, bot, django_capture_on_commit_callbacks
):
    api.put("/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"]))
    rule(api, crew["admin"])
    linked(api, bot, crew["manager"], chat_id=555)
    bot.send_answers = [
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 40}}),
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
    ]
    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
    message = Notification.objects.get(event_type="stock.low")
    assert services.send(message.pk) == "failed"
    message.refresh_from_db()
    assert message.next_attempt_at - timezone.now() > timedelta(seconds=38)  # Telegram's wait, not our 5 s
    assert services.send(message.pk) == "not due"
    Notification.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.send(message.pk) == "failed"
    message.refresh_from_db()
    assert timedelta(seconds=26) < message.next_attempt_at - timezone.now() < timedelta(seconds=34)
    assert message.last_error == "Telegram: Bad Gateway" and message.attempts == 2
    Notification.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.send(message.pk) == "sent"


def test_a_channel_failing_again_and_again_raises_one_alarm_cleared_when_it_works(
    api, tenant, crew, bot, django_capture_on_commit_callbacks
):
    api.put("/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"]))
    rule(api, crew["admin"])
    linked(api, bot, crew["manager"], chat_id=555)
    bot.send_answers = [(500, {"ok": False, "description": "Internal"})] * 5
    for n in range(5):
        low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks, name=f"Item {n}")
    for message in Notification.objects.filter(event_type="stock.low"):
        assert services.send(message.pk) == "failed"
    alarm = Alarm.objects.get(tenant=tenant, kind="notify_failing")
    assert alarm.cleared_at is None and alarm.details["channel"] == "telegram"
    first = Notification.objects.filter(event_type="stock.low").order_by("pk").first()
    Notification.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert services.send(first.pk) == "sent"
    alarm.refresh_from_db()
    assert alarm.cleared_at is not None


def test_e_mail_goes_through_a_real_smtp_server(api, tenant, crew, settings, django_capture_on_commit_callbacks):
    with smtp_server() as (port, inbox):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        rule(api, crew["admin"], channels=["email"])
        api.patch("/api/notifications/me/", {"email": "aziza@example.com"}, format="json", **bearer(crew["manager"]))
        low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
        message = Notification.objects.get(event_type="stock.low")
        assert services.send(message.pk) == "sent"
        (mail,) = inbox
    assert mail["To"] == "aziza@example.com" and mail["Message-ID"].startswith(f"<notification-{message.pk}@")
    assert "Rice" in mail.get_payload(decode=True).decode()


def test_the_sms_gateway_gets_its_template_filled(api, tenant, crew, django_capture_on_commit_callbacks):
    with receiver("/sms") as gateway:
        saved = api.put(
            "/api/notifications/sms-gateway/",
            {"url": gateway.url, "body": "to={phone}&text={message}", "authorization": "Bearer sms-key"},
            format="json",
            **bearer(crew["admin"]),
        )
        assert (
            saved.status_code == 200 and saved.json()["has_authorization"] and "sms-key" not in saved.content.decode()
        )
        rule(api, crew["admin"], channels=["http"])
        api.patch("/api/notifications/me/", {"phone": "+998901234567"}, format="json", **bearer(crew["manager"]))
        low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
        assert services.send(Notification.objects.get(event_type="stock.low").pk) == "sent"
        (request,) = gateway.requests
    form = parse_qs(request.body.decode())
    assert form["to"] == ["+998901234567"] and "Rice" in form["text"][0]
    assert request.headers["authorization"] == "Bearer sms-key"


def test_quiet_hours_hold_a_message_until_they_end(api, tenant, crew, bot, django_capture_on_commit_callbacks):
    api.put("/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"]))
    rule(api, crew["admin"])
    linked(api, bot, crew["manager"], chat_id=555)
    start, end = (timezone.now() - timedelta(hours=1)), (timezone.now() + timedelta(hours=1))
    quiet = {"quiet_from": start.strftime("%H:%M"), "quiet_until": end.strftime("%H:%M")}
    assert api.patch("/api/notifications/me/", quiet, format="json", **bearer(crew["manager"])).status_code == 200
    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
    message = Notification.objects.get(event_type="stock.low")
    sent_before = len(bot.sent())
    assert services.send(message.pk) == "held"
    message.refresh_from_db()
    assert timedelta(minutes=58) < message.next_attempt_at - timezone.now() < timedelta(minutes=61)
    assert message.state == "pending" and message.last_error.startswith("quiet hours until")
    assert len(bot.sent()) == sent_before


def test_two_matching_rules_still_send_one_message_and_no_secret_goes_out(
    api, tenant, crew, bot, django_capture_on_commit_callbacks
):
    api.put("/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"]))
    rule(api, crew["admin"])
    rule(api, crew["admin"], name="Everything for her", roles=[], users=[crew["manager"].user_id])
    linked(api, bot, crew["manager"], chat_id=555)
    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks)
    assert Notification.objects.filter(event_type="stock.low").count() == 1
    # Telegram unreachable: the error says so, and never carries the token (it is in the URL)
    from django.conf import settings

    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"
    message = Notification.objects.get(event_type="stock.low")
    assert services.send(message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error == "Telegram: Telegram could not be reached." and bot.token not in message.last_error


@pytest.mark.parametrize(
    ("body", "name", "code"),
    [
        ({"event_types": ["no.such"]}, "event_types", "invalid_choice"),
        ({"event_types": ["location.recorded"]}, "event_types", "invalid_choice"),  # never told to a person
        ({"roles": ["overlord"]}, "roles", "invalid_choice"),
        ({"roles": [], "users": []}, "roles", "required"),
        ({"channels": ["pigeon"]}, "channels.0", "invalid_choice"),
        ({"unknown": 1}, "unknown", "unknown_field"),
    ],
)
def test_bad_rules_get_a_400_naming_the_field(api, crew, body, name, code):
    values = {"name": "R", "event_types": ["stock.low"], "roles": ["manager"], "channels": ["telegram"], **body}
    answer = api.post("/api/notifications/rules/", values, format="json", **bearer(crew["admin"]))
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"][name][0]["code"] == code, answer.json()


def test_a_member_of_another_organization_is_refused_in_a_rule_and_preferences_are_checked(api, crew):
    stranger = member_factory(tenant=tenant_factory(), role=Role.MANAGER)
    body = {"name": "R", "event_types": ["stock.low"], "users": [stranger.user_id], "channels": ["email"]}
    answer = api.post("/api/notifications/rules/", body, format="json", **bearer(crew["admin"]))
    assert answer.status_code == 400 and "users" in answer.json()["error"]["fields"]
    for bad, name in [
        ({"phone": "call me"}, "phone"),
        ({"quiet_from": "22:00"}, "quiet_until"),
        ({"language": "fr"}, "language"),
    ]:
        answer = api.patch("/api/notifications/me/", bad, format="json", **bearer(crew["cook"]))
        assert answer.status_code == 400 and name in answer.json()["error"]["fields"], bad
    assert api.post("/api/notifications/me/telegram/", **bearer(crew["cook"])).json()["error"]["code"] == "no_bot"
    assert not Preference.objects.filter(phone="call me").exists()


def test_the_rate_limit_and_a_claimed_message_hold_it_back(
    api, tenant, crew, bot, settings, django_capture_on_commit_callbacks
):
    api.put("/api/notifications/telegram-bot/", {"token": bot.token}, format="json", **bearer(crew["admin"]))
    rule(api, crew["admin"])
    linked(api, bot, crew["manager"], chat_id=555)
    settings.NOTIFICATIONS_PER_MINUTE = 1
    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks, name="First")
    low_stock(tenant, crew["admin"], django_capture_on_commit_callbacks, name="Second")
    first, second = Notification.objects.filter(event_type="stock.low").order_by("pk")
    # another worker holds the first: this one leaves it alone until the claim lapses
    Notification.objects.filter(pk=first.pk).update(lease_until=timezone.now() + timedelta(seconds=30))
    assert services.send(first.pk) == "not due"
    Notification.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.send(first.pk) == "sent"
    assert services.send(second.pk) == "held"  # one a minute
    second.refresh_from_db()
    assert second.last_error == "rate limit" and second.next_attempt_at > timezone.now()


def test_a_message_never_carries_a_sealed_field():
    from domains.notifications.rendering import render

    text = render(
        event_type="order.pin_ready",
        data={"order_id": 7, "customer_id": 3, "pin": "fernet:SEALED", "completed_at": "2026-12-04T09:00:00Z"},
        language="en",
        organization="Shop",
    )
    assert "SEALED" not in text
    assert text == "[Shop] Something changed (order.pin_ready)."  # no sentence: no raw fields either


def _sample(annotation: object) -> object:
    text = str(annotation)
    for kind, value in (("bool", False), ("int", 7), ("float", 61.0), ("list", []), ("dict", {}), ("str", "12.500")):
        if kind in text:
            return value
    return None


@pytest.mark.django_db
def test_every_event_a_person_can_be_told_of_reads_as_a_sentence_in_each_language():
    from realtime.events import EVENT_TYPES, describe

    told = [spec for spec in EVENT_TYPES.values() if spec.message is not None]
    assert len(told) >= 30  # sales, stock, kitchen, visits, orders, 1C, geofences, members, alarms
    for spec in told:
        data = {key: _sample(kind) for key, kind in spec.payload.__annotations__.items()}
        sentences = {}
        for language in ("en", "uz", "ru"):
            with translation.override(language):
                sentences[language] = describe(spec.name, data)
        for language, sentence in sentences.items():
            assert sentence and "%(" not in sentence and "_id" not in sentence, (spec.name, language, sentence)
        assert sentences["uz"] != sentences["en"] and sentences["ru"] != sentences["en"], (spec.name, sentences)


def test_an_admin_chooses_what_to_follow_by_its_name_in_their_language(api, crew):  # type: ignore[no-untyped-def]
    from realtime.events import EVENT_TYPES
    from tests.declared import shipped

    # Every event has a name for people, translated: the webhooks and notifications pages list them.
    for spec in shipped(EVENT_TYPES).values():
        with translation.override("ru"):
            russian = str(spec.title)
        assert spec.title and russian != str(spec.title), spec.name
    listed = api.get("/api/notifications/event-types/", HTTP_ACCEPT_LANGUAGE="ru", **bearer(crew["admin"]))
    assert listed.status_code == 200
    titles = {t["name"]: t["title"] for t in listed.json()}
    assert titles["stock.low"] == "Товар заканчивается" and "agent.location_recorded" not in titles  # no sentence
    assert set(titles) == {name for name, spec in EVENT_TYPES.items() if spec.message is not None}
    refused = api.get("/api/notifications/event-types/", **bearer(crew["manager"]))  # writes no rules
    assert refused.status_code == 403
