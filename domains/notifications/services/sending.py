"""Sending one message: a Dramatiq job per message, claimed so that two workers never send it
together, held through the member's quiet hours, within the channel's rate limit, retried
with backoff (Telegram's own ``retry_after`` first), and one alarm when a channel keeps failing.

At least once: a worker killed between the channel's acceptance and the record of it leaves
the claim to lapse (``CLAIM_SECONDS``), and the message is sent again then. E-mail carries a
stable Message-ID, so mail clients show one.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import quote_plus

import dramatiq
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import timezone

from core import egress
from core.logging import retried
from core.models import Organization
from core.secrets import unseal
from core.timezones import tenant_zone
from domains.alarms.api import clear_alarms, raise_alarm
from domains.notifications import telegram
from domains.notifications.alarms import NOTIFICATIONS_FAILING
from domains.notifications.models import Channel, HttpGateway, Notification, Preference, State, TelegramBot
from workers import delivery as durable

logger = logging.getLogger(__name__)

RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 3600, 7200, 14400)  # seconds after each failure
BACKOFF = durable.Backoff(schedule=RETRY_SCHEDULE)
CLAIM_SECONDS = 60
FAILING_AFTER = 5  # consecutive failures of a channel before its alarm


class SendFailed(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.permanent = retry_after, permanent


def kick_events(event_ids: Iterable[str]) -> None:
    """After commit: a job for each new message of these events. Best effort; the sweep sends
    whatever a lost job leaves."""
    ids = list(
        Notification.objects.filter(event_id__in=list(event_ids), state=State.PENDING).values_list("pk", flat=True)
    )
    kick(ids)


def kick(notification_ids: Iterable[int]) -> None:
    actor = dramatiq.get_broker().get_actor("notifications.send")
    for pk in notification_ids:
        try:
            actor.send(pk)
        except Exception as failure:
            retried(logger, "notification job not queued; the sweep will", failure, notification_id=pk)
            return


def due_notifications(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        Notification.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .filter(durable.free(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(pk: int) -> Notification | None:
    due = Notification.objects.filter(pk=pk, state=State.PENDING, next_attempt_at__lte=timezone.now())
    claimed = durable.claim(due, seconds=CLAIM_SECONDS)
    return Notification.objects.select_related("user").get(pk=pk) if claimed else None


def _quiet_until(preference: Preference | None, zone_of: Organization) -> datetime | None:
    """When the member's quiet hours end, if they are in them now."""
    if preference is None or preference.quiet_from is None or preference.quiet_until is None:
        return None
    zone = tenant_zone(zone_of)
    local = timezone.now().astimezone(zone)
    start, end, now = preference.quiet_from, preference.quiet_until, local.time()
    inside = start <= now < end if start < end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def _within_rate(tenant_id: int, channel: str) -> float:
    """0 when one more message fits this minute's limit; else the seconds to the next minute."""
    now = timezone.now()
    key = f"oqim:notify-rate:{tenant_id}:{channel}:{now:%Y%m%d%H%M}"
    cache.add(key, 0, 120)
    if cache.incr(key) <= settings.NOTIFICATIONS_PER_MINUTE:
        return 0.0
    return 60.0 - now.second + random.uniform(0, 2)


def send(notification_id: int) -> str:
    """Send it if it is due and no other worker has it; returns what happened."""
    notification = _claim(notification_id)
    if notification is None:
        return "not due"
    tenant = Organization.objects.get(pk=notification.tenant_id)
    preference = Preference.objects.filter(tenant_id=tenant.pk, user_id=notification.user_id).first()
    if (until := _quiet_until(preference, tenant)) is not None:
        _hold(notification, until, f"quiet hours until {until:%H:%M}")
        return "held"
    if wait := _within_rate(tenant.pk, notification.channel):
        _hold(notification, timezone.now() + timedelta(seconds=wait), "rate limit")
        return "held"
    try:
        _deliver(notification, preference)
    except SendFailed as exc:
        _failed(notification, exc)
        return "failed"
    Notification.objects.filter(pk=notification.pk).update(
        state=State.SENT, sent_at=timezone.now(), attempts=notification.attempts + 1, lease_until=None, last_error=""
    )
    CHANNELS.succeeded(f"{tenant.pk}:{notification.channel}")
    return "sent"


def _hold(notification: Notification, until: datetime, why: str) -> None:
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=until, lease_until=None, last_error=why)


def _deliver(notification: Notification, preference: Preference | None) -> None:
    channel = notification.channel
    if channel == Channel.TELEGRAM:
        bot = TelegramBot.objects.filter(tenant_id=notification.tenant_id).first()
        if bot is None or preference is None or preference.telegram_chat_id is None:
            raise SendFailed("No Telegram bot or linked chat.", permanent=True)
        try:
            telegram.send_message(unseal(bot.token_sealed), preference.telegram_chat_id, notification.text)
        except telegram.TelegramError as exc:
            raise SendFailed(f"Telegram: {exc}", retry_after=exc.retry_after, permanent=exc.permanent) from exc
    elif channel == Channel.EMAIL:
        address = (preference.email if preference else "") or notification.user.email
        if not address:
            raise SendFailed("No e-mail address.", permanent=True)
        message = EmailMessage(
            subject=notification.text.split("\n", 1)[0][:120],
            body=notification.text,
            to=[address],
            headers={"Message-ID": f"<notification-{notification.pk}@{settings.EMAIL_MESSAGE_DOMAIN}>"},
        )
        try:
            message.send()
        except Exception as exc:  # smtplib's and the socket's errors alike
            raise SendFailed(f"E-mail: {type(exc).__name__}") from exc
    else:
        _deliver_http(notification, preference)


def _deliver_http(notification: Notification, preference: Preference | None) -> None:
    gateway = HttpGateway.objects.filter(tenant_id=notification.tenant_id).first()
    if gateway is None or preference is None or not preference.phone:
        raise SendFailed("No SMS gateway or phone number.", permanent=True)
    as_json = "json" in gateway.content_type
    fill = (lambda v: json.dumps(v)[1:-1]) if as_json else quote_plus
    body = gateway.body.replace("{phone}", fill(preference.phone)).replace("{message}", fill(notification.text))
    headers = {"Authorization": unseal(gateway.authorization_sealed)} if gateway.authorization_sealed else {}
    outcome = egress.post(gateway.url, body.encode(), headers, content_type=gateway.content_type)
    if outcome.delivered:
        return
    if outcome.status_code is None:
        raise SendFailed(f"SMS gateway: {outcome.error}")
    permanent = outcome.status_code in (400, 401, 403, 404, 422)
    raise SendFailed(f"SMS gateway: HTTP {outcome.status_code}", permanent=permanent)


def _failed(notification: Notification, exc: SendFailed) -> None:
    attempts = notification.attempts + 1
    error = str(exc)[:300]
    again = None if exc.permanent else BACKOFF.next_attempt(attempts=attempts, retry_after=exc.retry_after)
    if again is None:
        Notification.objects.filter(pk=notification.pk).update(
            state=State.FAILED, attempts=attempts, lease_until=None, last_error=error
        )
    else:
        Notification.objects.filter(pk=notification.pk).update(
            attempts=attempts, lease_until=None, last_error=error, next_attempt_at=again
        )
    CHANNELS.failed(f"{notification.tenant_id}:{notification.channel}", error)


def _channel_failing(subject: str, error: str) -> None:
    tenant_id, channel = subject.split(":", 1)
    raise_alarm(
        tenant_id=int(tenant_id),
        kind=NOTIFICATIONS_FAILING,
        subject=f"channel:{channel}",
        details={"channel": channel, "error": error, "consecutive_failures": FAILING_AFTER},
        event={"channel": channel, "error": error, "consecutive_failures": FAILING_AFTER},
    )


def _channel_works(subject: str, _error: str) -> None:
    tenant_id, channel = subject.split(":", 1)
    clear_alarms(tenant_id=int(tenant_id), kind=NOTIFICATIONS_FAILING, subject=f"channel:{channel}")


# A channel that fails message after message raises one alarm, cleared by its next success.
CHANNELS = durable.Failing(
    "notifications.channel", after=FAILING_AFTER, on_failing=_channel_failing, on_recovered=_channel_works
)
