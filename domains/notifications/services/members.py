"""A member's own side: preferences, and linking a Telegram chat by a one-time deep-link code
(the member opens ``t.me/<bot>?start=<code>``; the bot's next poll links the chat)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import Membership, Organization, User
from core.secrets import unseal
from core.selectors import language_of
from core.services import language_choose
from domains.notifications import telegram
from domains.notifications.models import Preference, TelegramBot

logger = logging.getLogger(__name__)
LINK_CODE_LIFETIME = timedelta(minutes=15)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def preference_for(*, tenant_id: int, user: User) -> Preference:
    preference, _ = Preference.objects.get_or_create(
        tenant_id=tenant_id, user=user, defaults={"email": user.email or ""}
    )
    return preference


@transaction.atomic
def preference_update(*, preference: Preference, **changes: Any) -> Preference:
    """Change a member's own settings; ``language`` is their membership's (core), set here too."""
    if "language" in changes:
        membership = Membership.objects.alive().get(tenant_id=preference.tenant_id, user_id=preference.user_id)
        language_choose(membership, changes.pop("language"))
    for name, value in changes.items():
        setattr(preference, name, value)
    preference.save()
    return preference


def telegram_unlink(*, preference: Preference) -> Preference:
    return preference_update(preference=preference, telegram_chat_id=None, telegram_name="")


def link_code_create(*, tenant: Organization, user: User) -> tuple[str, str, Any]:
    """A one-time code and its deep link; returns (code, url, expires_at). The bot must be
    connected (the caller checks)."""
    bot = TelegramBot.objects.get(tenant=tenant)
    code = secrets.token_urlsafe(18)
    preference = preference_for(tenant_id=tenant.pk, user=user)
    expires_at = timezone.now() + LINK_CODE_LIFETIME
    preference_update(preference=preference, link_code_hash=_hash(code), link_code_expires_at=expires_at)
    return code, f"https://t.me/{bot.username}?start={code}", expires_at


def poll_telegram(*, bot: TelegramBot) -> int:
    """Read the bot's new messages; a ``/start <code>`` links that chat to the code's member.
    Returns how many chats were linked."""
    token = unseal(bot.token_sealed)
    found = telegram.updates(token, bot.update_offset)
    linked = 0
    for update in found:
        message = update.get("message") or {}
        text = str(message.get("text") or "")
        chat = message.get("chat") or {}
        if text.startswith("/start ") and chat.get("id") is not None:
            linked += _link(bot, token, text.split(" ", 1)[1].strip(), chat)
    if found:
        last = max(int(u.get("update_id", 0)) for u in found)
        TelegramBot.objects.filter(pk=bot.pk).update(update_offset=last + 1)
    return linked


def _link(bot: TelegramBot, token: str, code: str, chat: dict[str, Any]) -> int:
    with transaction.atomic():
        preference = (
            Preference.objects.select_for_update()
            .filter(tenant_id=bot.tenant_id, link_code_hash=_hash(code), link_code_expires_at__gt=timezone.now())
            .first()
        )
        if preference is None:
            return 0
        name = str(chat.get("username") or chat.get("first_name") or "")[:100]
        preference_update(
            preference=preference,
            telegram_chat_id=int(chat["id"]),
            telegram_name=name,
            link_code_hash="",
            link_code_expires_at=None,
        )
    language = language_of(tenant_id=bot.tenant_id, user_id=preference.user_id) or settings.NOTIFICATIONS_LANGUAGE
    with translation.override(language):
        reply = _("This chat now gets your Oqim notifications.")
    try:
        telegram.send_message(token, int(chat["id"]), reply)
    except telegram.TelegramError:
        logger.warning("telegram link confirmation not sent", extra={"tenant_id": bot.tenant_id})
    return 1
