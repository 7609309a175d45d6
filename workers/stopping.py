"""Stopping a process on SIGTERM or SIGINT, whichever of its threads the kernel delivers it to."""

from __future__ import annotations

import signal
import threading

POLL_SECONDS = 0.5


class StopSignal:
    """Set by SIGTERM or SIGINT once installed (main thread only, like every Python handler)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.event.set())

    def wait(self) -> None:
        """Block until the signal came. The wait is timed on purpose: the kernel may deliver the
        signal to any thread, and Python runs the handler only when the main thread next runs
        bytecode, which an untimed ``Event.wait()`` never does again."""
        while not self.event.is_set():
            self.event.wait(POLL_SECONDS)
