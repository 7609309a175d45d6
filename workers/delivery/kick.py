"""Asking a worker to look at a line now, without flooding the broker: at most one ask per key
every ``every`` seconds from this process, and the last ask of a burst never dropped (it is sent
at the end of the window). Best effort: a lost ask is made up by its periodic sweep."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Iterable

import dramatiq

from core.logging import retried

logger = logging.getLogger(__name__)


class Kicker:
    def __init__(self, actor_name: str, *, every: float = 0.2) -> None:
        self.actor_name, self.every = actor_name, every
        self.kicked: dict[Hashable, float] = {}
        self.trailing: set[Hashable] = set()
        self.lock = threading.Lock()

    def kick(self, keys: Iterable[Hashable] = (None,), *, now: bool = False) -> None:
        """Send the actor a message per key (the key is its argument; None for none)."""
        at = time.monotonic()
        for key in keys:
            wait = self.every - (at - self.kicked.get(key, -self.every))
            if now or wait <= 0:
                self.kicked[key] = at
                self._send(key)
                continue
            with self.lock:
                if key in self.trailing:
                    continue  # the window's trailing ask is already set
                self.trailing.add(key)
            timer = threading.Timer(wait, self._trail, args=(key,))
            timer.daemon = True
            timer.start()

    def _trail(self, key: Hashable) -> None:
        with self.lock:
            self.trailing.discard(key)
        self.kicked[key] = time.monotonic()
        self._send(key)

    def _send(self, key: Hashable) -> None:
        args: tuple = () if key is None else (key,)
        try:
            dramatiq.get_broker().get_actor(self.actor_name).send(*args)
        except Exception as failure:
            retried(logger, "kick not queued; the sweep will", failure, actor=self.actor_name)
