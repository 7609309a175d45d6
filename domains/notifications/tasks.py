"""Notifications as Dramatiq actors: one job per message, the sweep for due and lost ones,
and polling each organization's Telegram bot for chats to link."""

from __future__ import annotations

import logging

import dramatiq

from domains.notifications import services, telegram
from domains.notifications.models import TelegramBot
from workers.broker import broker
from workers.registry import periodic

logger = logging.getLogger(__name__)


@dramatiq.actor(
    broker=broker,
    actor_name="notifications.send",
    queue_name="notifications",
    max_retries=0,  # retried on the message's own schedule (honouring retry_after), by the sweep
    time_limit=2 * 60 * 1000,
)
def send(notification_id: int) -> None:
    services.send(notification_id)


@periodic("* * * * *", second="*/2")
@dramatiq.actor(
    broker=broker, actor_name="notifications.sweep", queue_name="notifications", max_retries=0, time_limit=30 * 1000
)
def sweep() -> None:
    services.kick(services.due_notifications())


@periodic("* * * * *", second="*/3")
@dramatiq.actor(
    broker=broker,
    actor_name="notifications.poll_telegram",
    queue_name="notifications",
    max_retries=0,
    time_limit=60 * 1000,
)
def poll_telegram() -> None:
    for bot in TelegramBot.objects.all():
        try:
            services.poll_telegram(bot=bot)
        except telegram.TelegramError as exc:
            logger.warning("telegram updates not read", extra={"tenant_id": bot.tenant_id, "error": str(exc)})
