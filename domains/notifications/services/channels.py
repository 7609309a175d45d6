"""The organization's own channels: its Telegram bot and its SMS gateway (e-mail is the
server's, configured with ``EMAIL_*``)."""

from __future__ import annotations

from rest_framework.exceptions import ErrorDetail, ValidationError

from core.egress_guard import Refused, check
from core.models import Organization
from core.secrets import seal
from domains.notifications import telegram
from domains.notifications.models import HttpGateway, TelegramBot


def _invalid(field: str, code: str, message: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


def telegram_connect(*, tenant: Organization, token: str) -> TelegramBot:
    """Connect (or replace) the organization's bot: Telegram must know the token."""
    try:
        username = telegram.bot_username(token)
    except telegram.TelegramError as exc:
        raise _invalid("token", "telegram_refused", f"Telegram refused the token: {exc}") from exc
    if not username:
        raise _invalid("token", "telegram_refused", "Telegram did not name the bot.")
    bot, _ = TelegramBot.objects.update_or_create(
        tenant=tenant, defaults={"token_sealed": seal(token), "username": username, "update_offset": 0}
    )
    return bot


def telegram_disconnect(*, tenant: Organization) -> None:
    TelegramBot.objects.filter(tenant=tenant).delete()


def gateway_save(
    *, tenant: Organization, url: str, body: str, content_type: str, authorization: str = ""
) -> HttpGateway:
    try:
        check(url)
    except Refused as exc:
        raise _invalid("url", exc.code, str(exc)) from exc
    if "{message}" not in body:
        raise _invalid("body", "no_message", "The body must contain {message}.")
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
