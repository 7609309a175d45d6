"""The organization's own channels: its Telegram bot and its SMS gateway (e-mail is the
server's, configured with ``EMAIL_*``)."""

from __future__ import annotations

from django.utils.translation import gettext

from core.egress_guard import require_allowed
from core.errors import invalid
from core.models import Organization
from core.secrets import seal
from domains.notifications import telegram
from domains.notifications.models import HttpGateway, TelegramBot


def telegram_connect(*, tenant: Organization, token: str) -> TelegramBot:
    """Connect (or replace) the organization's bot: Telegram must know the token."""
    try:
        username = telegram.bot_username(token)
    except telegram.TelegramError as exc:
        raise invalid(
            "token", "telegram_refused", gettext("Telegram refused the token: %(error)s") % {"error": exc}
        ) from exc
    if not username:
        raise invalid("token", "telegram_refused", gettext("Telegram did not name the bot."))
    bot, _ = TelegramBot.objects.update_or_create(
        tenant=tenant, defaults={"token_sealed": seal(token), "username": username, "update_offset": 0}
    )
    return bot


def telegram_disconnect(*, tenant: Organization) -> None:
    TelegramBot.objects.filter(tenant=tenant).delete()


def gateway_save(
    *, tenant: Organization, url: str, body: str, content_type: str, authorization: str = ""
) -> HttpGateway:
    require_allowed(url)
    if "{message}" not in body:
        raise invalid("body", "no_message", gettext("The body must contain {message}."))
    gateway, _ = HttpGateway.objects.update_or_create(
        tenant=tenant,
        defaults={
            "url": url,
            "body": body,
            "content_type": content_type,
            "authorization_sealed": seal(authorization) if authorization else "",
        },
    )
    return gateway


def gateway_delete(*, tenant: Organization) -> None:
    HttpGateway.objects.filter(tenant=tenant).delete()
