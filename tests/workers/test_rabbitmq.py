"""The RabbitMQ broker (``BROKER_URL=amqp://...``) against the RabbitMQ on this machine: a killed
worker's message comes back at once, delays hold, and every actor is declared on it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def _rabbitmq_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not _rabbitmq_up(), reason="RabbitMQ is not running on 127.0.0.1:5672"),
]

# A worker process on Oqim's broker with one test actor on its own queue. The actor writes a
# line when it starts and one when it ends; the first run of a message sleeps, so the test can
# kill the worker while it holds the message unacknowledged.
WORKER = textwrap.dedent(
    """
    import os, sys, time, django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    django.setup()
    import dramatiq
    from workers.broker import broker
    log = open(sys.argv[2], "a", buffering=1)

    @dramatiq.actor(broker=broker, queue_name=sys.argv[1], max_retries=0, actor_name="test.hold")
    def hold(tag, sleep):
        log.write(f"start {tag} {os.getpid()} {time.time()}\\n")
        time.sleep(sleep)
        log.write(f"done {tag} {os.getpid()} {time.time()}\\n")

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    log.write(f"ready {os.getpid()}\\n")
    while True:
        time.sleep(1)
    """
)


def _spawn(tmp_path: Path, queue: str, log: Path) -> subprocess.Popen:
    script = tmp_path / "rabbit_worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "BROKER_URL": BROKER_URL, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), queue, str(log)], cwd=ROOT, env=env)


def _wait_for(log: Path, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines() if log.exists() else []:
            if needle in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} not in the worker log:\n{log.read_text() if log.exists() else ''}")


@pytest.fixture
def rabbit(settings):  # type: ignore[no-untyped-def]
    """This test process's own RabbitMQ broker (the run's broker may be Redis)."""
    settings.BROKER_URL = BROKER_URL
    from workers.broker import build_broker

    broker = build_broker()
    yield broker
    broker.close()


def _declare(broker, queue: str):  # type: ignore[no-untyped-def]
    import dramatiq

    @dramatiq.actor(broker=broker, queue_name=queue, max_retries=0, actor_name="test.hold")
    def hold(tag: str, sleep: float) -> None:  # runs in the worker process, not here
        raise AssertionError("sent only")

    return hold


def test_a_killed_workers_message_is_handed_to_another_worker_within_seconds(tmp_path, rabbit):
    queue = f"oqim-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    first = _spawn(tmp_path, queue, log)
    second = None
    try:
        _wait_for(log, f"ready {first.pid}")
        hold = _declare(rabbit, queue)
        hold.send("job", 60)
        _wait_for(log, f"start job {first.pid}")
        second = _spawn(tmp_path, queue, log)
        _wait_for(log, f"ready {second.pid}")
        # when: the worker holding it dies without a word
        killed_at = time.time()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        # then: RabbitMQ sees the connection close and redelivers at once, not after a timeout
        started = float(_wait_for(log, f"start job {second.pid}", timeout=20).split()[-1])
        assert started - killed_at < 5
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
        rabbit.channel.queue_delete(queue)
        rabbit.channel.queue_delete(f"{queue}.DQ")
        rabbit.channel.queue_delete(f"{queue}.XQ")


def test_a_delayed_message_waits_its_delay_and_the_status_counts_queue_and_workers(tmp_path, rabbit):
    from workers.status import _queues_rabbitmq

    queue = f"oqim-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = _spawn(tmp_path, queue, log)
    try:
        _wait_for(log, f"ready {worker.pid}")
        hold = _declare(rabbit, queue)
        sent_at = time.time()
        hold.send_with_options(args=("later", 0), delay=1500)
        hold.send("now", 0)
        now = float(_wait_for(log, "done now").split()[-1])
        queues, workers, _leader = _queues_rabbitmq(rabbit)
        later = float(_wait_for(log, "start later").split()[-1])
        assert now - sent_at < 1.5 <= later - sent_at
        # the operations page's figures: the queue is listed and its one worker consumes from it
        assert queue in [q["name"] for q in queues]
        assert workers == 1
    finally:
        worker.kill()
        worker.wait(10)
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            rabbit.channel.queue_delete(name)
