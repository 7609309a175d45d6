"""A local fake of the Telegram Bot API (what ``TELEGRAM_API_URL`` points at in the tests): it
records every call, answers getUpdates from a queue, and can answer sendMessage with a 429
(``retry_after``) or a 5xx first. And a real SMTP server (aiosmtpd) that keeps what it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.net import QuietHandler, free_port, http_server


@dataclass
class FakeBotApi:
    url: str
    token: str = "123456:TEST-token-of-the-fake-bot-api"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    send_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # status, body; then ok
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> list[dict[str, Any]]:
        return [payload for method, payload in self.calls if method == "sendMessage"]

    def press_start(self, chat_id: int, code: str, name: str = "aziza") -> None:
        with self.lock:
            update_id = 1000 + len(self.updates)
            self.updates.append(
                {
                    "update_id": update_id,
                    "message": {"text": f"/start {code}", "chat": {"id": chat_id, "username": name}},
                }
            )


@contextmanager
def fake_bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            _, bot, method = self.path.split("/", 2)
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with api.lock:
                api.calls.append((method, payload))
            if bot != f"bot{api.token}":
                return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            if method == "getMe":
                return self._json(200, {"ok": True, "result": {"id": 1, "is_bot": True, "username": "oqim_test_bot"}})
            if method == "getUpdates":
                with api.lock:
                    found = [u for u in api.updates if u["update_id"] >= payload.get("offset", 0)]
                return self._json(200, {"ok": True, "result": found})
            if method == "sendMessage":
                with api.lock:
                    if api.send_answers:
                        return self._json(*api.send_answers.pop(0))
                return self._json(200, {"ok": True, "result": {"message_id": len(api.calls)}})
            return self._json(404, {"ok": False, "description": "Not Found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self.answer(status, json.dumps(body).encode())

    with http_server(Handler) as port:
        api.url = f"http://127.0.0.1:{port}"
        yield api


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[Message]]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.messages
    finally:
        controller.stop()
