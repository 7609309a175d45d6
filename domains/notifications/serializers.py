"""Wire formats of notifications."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.filters import BIGINT_MAX
from core.selectors import language_of
from core.serializers import HeaderValueField, StrictInput
from domains.notifications.models import Channel, HttpGateway, Notification, Preference, Rule, TelegramBot


class TelegramBotOutput(serializers.Serializer):
    connected = serializers.BooleanField()
    username = serializers.CharField(allow_blank=True, help_text="The bot's @name; members' links open it.")


class TelegramBotInput(StrictInput):
    token = serializers.RegexField(
        r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$",
        max_length=130,
        write_only=True,
        help_text="From @BotFather (digits:letters); stored sealed.",
    )


class GatewayOutput(serializers.ModelSerializer):
    configured = serializers.SerializerMethodField()
    url = serializers.CharField(help_text="Empty until a gateway is configured.")
    has_authorization = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = HttpGateway
        fields = ["configured", "url", "body", "content_type", "has_authorization", "updated_at"]

    def get_configured(self, gateway: HttpGateway) -> bool:
        return gateway.pk is not None

    def get_has_authorization(self, gateway: HttpGateway) -> bool:
        return bool(gateway.authorization_sealed)


class GatewayInput(StrictInput):
    url = serializers.URLField(max_length=2000)
    body = serializers.CharField(max_length=4000, help_text="{phone} and {message} are filled in.")
    content_type = serializers.ChoiceField(
        choices=["application/x-www-form-urlencoded", "application/json"], default="application/x-www-form-urlencoded"
    )
    authorization = HeaderValueField(
        max_length=500, required=False, allow_blank=True, help_text="An Authorization header; sealed."
    )


class PreferenceOutput(serializers.ModelSerializer):
    language = serializers.SerializerMethodField(
        help_text="The member's language (their membership's, as in /api/me/); empty: not chosen."
    )
    telegram_linked = serializers.SerializerMethodField()
    telegram_bot = serializers.SerializerMethodField(help_text="The organization's bot (@name), or empty: none yet.")

    class Meta:
        model = Preference
        fields = [
            "language",
            "quiet_from",
            "quiet_until",
            "channels",
            "email",
            "phone",
            "telegram_linked",
            "telegram_name",
            "telegram_bot",
        ]

    def get_language(self, preference: Preference) -> str:
        return language_of(tenant_id=preference.tenant_id, user_id=preference.user_id)

    def get_telegram_linked(self, preference: Preference) -> bool:
        return preference.telegram_chat_id is not None

    def get_telegram_bot(self, preference: Preference) -> str:
        bot = TelegramBot.objects.filter(tenant_id=preference.tenant_id).only("username").first()
        return bot.username if bot else ""


class PreferenceInput(StrictInput):
    language = serializers.ChoiceField(
        choices=["uz", "ru", "en"], required=False, help_text="The member's language, as PATCH /api/me/ sets it."
    )
    quiet_from = serializers.TimeField(required=False, allow_null=True, help_text="Organization time, HH:MM.")
    quiet_until = serializers.TimeField(required=False, allow_null=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        required=False,
        max_length=3,
        help_text="The channels wanted; empty: every one that reaches the member.",
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.RegexField(r"^\+?[0-9]{7,15}$", required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("quiet_from" in attrs) != ("quiet_until" in attrs):
            raise serializers.ValidationError({"quiet_until": [gettext("Give quiet_from and quiet_until together.")]})
        if attrs.get("quiet_from") is not None and attrs.get("quiet_from") == attrs.get("quiet_until"):
            raise serializers.ValidationError({"quiet_until": [gettext("Must differ from quiet_from.")]})
        if (attrs.get("quiet_from") is None) != (attrs.get("quiet_until") is None):
            raise serializers.ValidationError({"quiet_until": [gettext("Both set, or both null.")]})
        return attrs


class LinkOutput(serializers.Serializer):
    url = serializers.CharField(help_text="Open it on the phone: Telegram starts the bot with the code.")
    code = serializers.CharField()
    expires_at = serializers.DateTimeField()


class RuleOutput(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "event_types",
            "branch_id",
            "meal_id",
            "roles",
            "users",
            "channels",
            "active",
            "created_at",
            "updated_at",
        ]


class RuleInput(StrictInput):
    name = serializers.CharField(max_length=100)
    event_types = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=200)
    branch_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=BIGINT_MAX)
    meal_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=BIGINT_MAX)
    roles = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=10)
    users = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX), required=False, max_length=500
    )
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), min_length=1, max_length=3)
    active = serializers.BooleanField(required=False, default=True)


class NotificationOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(
        source="user.display_name", read_only=True, help_text="The recipient's full name, or their username."
    )
    attempts = serializers.IntegerField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "event_id",
            "event_type",
            "rule",
            "user",
            "username",
            "name",
            "channel",
            "language",
            "text",
            "state",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
            "created_at",
        ]


class FollowableOutput(serializers.Serializer):
    name = serializers.CharField(help_text="The event type, as a rule's event_types names it.")
    title = serializers.CharField(help_text="A few words naming it, in the reader's language.")
