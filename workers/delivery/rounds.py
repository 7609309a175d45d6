"""Work a process does after its own commits, in a thread of its own: each commit wakes it, and
it runs at most one round every ``gather`` seconds (the first at once), so a burst of commits is
handled together. A failed round is logged; the line's periodic sweep is the net under it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import connection

from core.logging import retried

logger = logging.getLogger(__name__)


class Rounds:
    def __init__(self, name: str, work: Callable[[], object], *, gather: float, failed: str) -> None:
        self.name, self.work, self.gather, self.failed = name, work, gather, failed
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def kick(self) -> None:
        """After a commit: a round soon (the thread starts on the first kick, or again if it died)."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        last = 0.0
        while True:
            self.wake.wait()
            time.sleep(max(0.0, self.gather - (time.monotonic() - last)))
            self.wake.clear()  # a commit from now on wakes the next round: none is missed
            last = time.monotonic()
            try:
                self.work()
            except Exception as failure:
                retried(logger, self.failed, failure, thread=self.name)
            finally:
                connection.close()  # this thread's own; back to the pool between rounds
