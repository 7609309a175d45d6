"""A primary address and its failover, for every integration that has both (order providers,
1C): one rule for which to call, when to switch, and for how long the primary is passed over.

The primary is called first unless it is cooling down; a call it fails (the caller says which
errors count: timeouts, 5xx, not a refusal) goes to the failover, and the switch is counted.
Where the cool-down is kept is the caller's: in this process (``Cooldowns``) or on a row every
worker reads (the 1C connection).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class AllFailed(Exception):
    """Neither address answered; ``errors`` holds each one's (url, error), in the order called."""

    def __init__(self, errors: list[tuple[str, Exception]]) -> None:
        super().__init__("; ".join(f"{url}: {error}" for url, error in errors))
        self.errors = errors


@dataclass
class Failover:
    primary: str
    failover: str = ""
    cooling: bool = False  # the primary failed lately: call the failover first
    used: str = ""  # the address that answered the last call
    switches: int = 0  # calls the failover answered after the other failed
    primary_failed: bool = False  # a call this session found the primary failing

    def order(self) -> list[str]:
        if not self.failover:
            return [self.primary]
        return [self.failover, self.primary] if self.cooling else [self.primary, self.failover]

    def call(
        self,
        attempt: Callable[[str], T],
        *,
        passes_over: tuple[type[Exception], ...],
        on_switch: Callable[[str, str, Exception], None] | None = None,
    ) -> T:
        """``attempt(url)`` on each address in turn until one answers. An error of a type in
        ``passes_over`` tries the next address; any other is raised at once (the answer would
        be the same elsewhere). Raises ``AllFailed`` when every address failed."""
        errors: list[tuple[str, Exception]] = []
        for url in self.order():
            if errors and on_switch is not None:
                on_switch(errors[-1][0], url, errors[-1][1])
            try:
                answer = attempt(url)
            except passes_over as error:
                errors.append((url, error))
                self.primary_failed |= url == self.primary
                continue
            self.used = url
            if errors:  # the other failed: from now on, the one that answered goes first
                self.switches += 1
                self.cooling = url == self.failover
            return answer
        raise AllFailed(errors)


@dataclass
class Cooldowns:
    """Primaries passed over in this process until a time, by address."""

    seconds: float
    until: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cooling(self, url: str) -> bool:
        with self.lock:
            return self.until.get(url, 0.0) > time.monotonic()

    def settle(self, session: Failover) -> None:
        """After a call: a failing primary cools down; one that answered is trusted again."""
        with self.lock:
            if session.primary_failed:
                self.until[session.primary] = time.monotonic() + self.seconds
            elif session.used == session.primary:
                self.until.pop(session.primary, None)
