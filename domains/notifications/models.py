"""Notifications: the organization's channels (a Telegram bot, an SMS gateway; e-mail is the
server's), its rules (which events go to whom, over which channels), each member's preferences
and linked chats, and every message sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import TenantOwned
from workers.delivery import Leased


class Channel(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    EMAIL = "email", "e-mail"
    HTTP = "http", "HTTP (an SMS gateway)"


class TelegramBot(TenantOwned):
    """The organization's bot. Its token is sealed (core.secrets), never returned or logged."""

    token_sealed = models.TextField()
    username = models.CharField(max_length=64)  # from getMe: the deep link's t.me/<username>
    update_offset = models.BigIntegerField(default=0)  # getUpdates: the next update wanted
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="notifications_one_bot")]


class HttpGateway(TenantOwned):
    """A generic HTTP channel, as Traccar's ``sms.http``: a POST to ``url`` with ``body`` in which
    ``{phone}`` and ``{message}`` are replaced (URL-encoded for a form, JSON-escaped for JSON)."""

    url = models.URLField(max_length=2000)
    body = models.TextField(max_length=4000)
    content_type = models.CharField(max_length=100, default="application/x-www-form-urlencoded")
    authorization_sealed = models.TextField(blank=True, default="")  # an Authorization header
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="notifications_one_gateway")]


class Preference(TenantOwned):
    """A member's own: quiet hours, and where they can be reached (their language is the
    membership's, ``Membership.language``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quiet_from = models.TimeField(null=True, blank=True)  # organization time; messages wait
    quiet_until = models.TimeField(null=True, blank=True)
    channels = models.JSONField(default=list)  # the channels they want, of those they have
    telegram_chat_id = models.BigIntegerField(null=True, blank=True)
    telegram_name = models.CharField(max_length=100, blank=True, default="")
    link_code_hash = models.CharField(max_length=64, blank=True, default="")
    link_code_expires_at = models.DateTimeField(null=True, blank=True)
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="notifications_one_preference")]
        indexes = [models.Index(fields=["link_code_hash"], name="notifications_link_code")]


class Rule(TenantOwned):
    """Which events (by type, optionally one branch's or one meal's) go to which members (by
    role, or by name), over which channels."""

    name = models.CharField(max_length=100)
    event_types = models.JSONField(default=list)
    branch_id = models.BigIntegerField(null=True, blank=True)
    meal_id = models.BigIntegerField(null=True, blank=True)
    roles = models.JSONField(default=list)
    users = models.JSONField(default=list)  # user ids, members here
    channels = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "active"], name="notifications_rule_active")]


class State(models.TextChoices):
    PENDING = "pending", "waiting to be sent, for its turn, a retry or the end of quiet hours"
    SENT = "sent", "the channel accepted it"
    FAILED = "failed", "given up: the channel refused it, or kept failing"


class Notification(TenantOwned, Leased):
    """One message to one member over one channel, for one event: unique, so an event that two
    rules match, or a job run twice, still sends it once. A worker sending it holds its lease
    (``workers.delivery``)."""

    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=2)
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "user", "channel"], name="notifications_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="notifications_due"),
            models.Index(fields=["tenant", "-id"], name="notifications_log"),
        ]
