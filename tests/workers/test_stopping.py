"""The worker and scheduler stop on SIGTERM whichever thread the kernel hands the signal to."""

from __future__ import annotations

import signal
import threading
import time

from workers.stopping import StopSignal


def test_a_signal_delivered_to_another_thread_still_ends_the_wait():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop = StopSignal()

        def deliver() -> None:
            time.sleep(0.2)
            # To this thread, not the main one: an untimed wait in the main thread never wakes
            # to run the handler (the CI hang of `manage.py worker`).
            signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

        def watchdog() -> None:
            time.sleep(5)
            stop.event.set()  # so a regression fails this test instead of hanging the suite

        threading.Thread(target=deliver, daemon=True).start()
        threading.Thread(target=watchdog, daemon=True).start()
        started = time.monotonic()
        stop.wait()
        assert time.monotonic() - started < 2
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
