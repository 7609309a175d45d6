"""Calls to the Telegram Bot API (https://core.telegram.org/bots/api) with the organization's
bot token. ``TELEGRAM_API_URL`` points elsewhere for a local Bot API server, or the tests' fake.

The token is part of every URL; an error message here never includes the URL.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from core import egress

# Through the guarded client like every outbound call: a local Bot API server on a private
# network needs its network in OUTBOUND_ALLOWED_NETWORKS.
_session = egress.Session(timeout=10.0, max_bytes=8 * 1024 * 1024, user_agent="Oqim-Telegram/1")


class TelegramError(Exception):
    """``retry_after``: Telegram's own wait (429); ``permanent``: retrying cannot help (a bad
    token, a chat that blocked the bot or never started it)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.permanent = retry_after, permanent


def call(token: str, method: str, payload: dict[str, Any] | None = None, *, timeout: float = 10.0) -> Any:
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{token}/{method}"
    try:
        answer = _session.post(url, json=payload or {}, timeout=timeout)
    except requests.Timeout:
        raise TelegramError("Telegram did not answer in time.") from None
    except egress.Refused as exc:  # never the URL: the token is in it
        raise TelegramError(f"Telegram's address is not allowed ({exc.code}).") from None
    except requests.RequestException:
        raise TelegramError("Telegram could not be reached.") from None
    try:
        data = answer.json()
    except ValueError:
        data = {}
    if isinstance(data, dict) and data.get("ok"):
        return data.get("result")
    description = str(data.get("description") or f"HTTP {answer.status_code}")[:200] if isinstance(data, dict) else ""
    retry_after = (data.get("parameters") or {}).get("retry_after") if isinstance(data, dict) else None
    if answer.status_code == 429 or retry_after:
        raise TelegramError(description, retry_after=float(retry_after or 1))
    if answer.status_code >= 500:
        raise TelegramError(description)
    raise TelegramError(description, permanent=True)


def send_message(token: str, chat_id: int, text: str) -> int:
    """Returns Telegram's message id."""
    result = call(token, "sendMessage", {"chat_id": chat_id, "text": text, "disable_web_page_preview": True})
    return int(result.get("message_id", 0)) if isinstance(result, dict) else 0


def bot_username(token: str) -> str:
    result = call(token, "getMe")
    return str(result.get("username", "")) if isinstance(result, dict) else ""


def updates(token: str, offset: int) -> list[dict[str, Any]]:
    """New updates from ``offset`` on (none waited for: this is polled)."""
    result = call(token, "getUpdates", {"offset": offset, "timeout": 0, "allowed_updates": ["message"]})
    return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []
