"""OwnTracks over MQTT, against a real Mosquitto started for the test: a point published by a
phone is recorded; what is published while the subscriber is down arrives when it is back; a
message that can never be recorded is acknowledged and left."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import paho.mqtt.publish as publish
import pytest
from django.utils import timezone

from domains.tracking import services
from domains.tracking.models import LocationPoint
from domains.tracking.mqtt import Subscriber, token_of
from tests.net import free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("mosquitto"), reason="needs Mosquitto (apt install mosquitto)"),
]


@pytest.fixture
def broker() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(["mosquitto", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(10)


def wait_for(predicate, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def location(**values) -> str:  # type: ignore[no-untyped-def]
    return json.dumps({"_type": "location", "lat": 41.3, "lon": 69.2, "tst": int(timezone.now().timestamp()), **values})


def test_the_topic_names_the_device():
    assert token_of("owntracks/aziz/oqd_abc") == "oqd_abc"
    assert token_of("owntracks/aziz/oqd_abc/event") == "" and token_of("owntracks") == ""


def test_points_from_mqtt_are_recorded_and_kept_by_the_broker_while_the_subscriber_is_down(field, broker):
    _device, token = services.device_create(
        tenant=field["agent"].tenant, agent_id=field["agent"].user_id, name="OwnTracks", actor=field["agent"].user
    )
    client_id, prefix = f"oqim-test-{uuid.uuid4().hex[:8]}", f"t{uuid.uuid4().hex[:8]}"
    topic = f"{prefix}/aziz/{token}"
    url = f"mqtt://127.0.0.1:{broker}"
    mine = LocationPoint.objects.filter(agent_id=field["agent"].user_id)

    subscriber = Subscriber(url, f"{prefix}/+/+", client_id=client_id)
    subscriber.start()
    try:
        assert subscriber.subscribed.wait(10)
        publish.single(topic, location(acc=9), qos=1, port=broker)
        publish.single(topic, "not json", qos=1, port=broker)
        publish.single(f"{prefix}/aziz/oqd_unknown", location(), qos=1, port=broker)
        # Generous: on a loaded 2-core CI machine a message can wait seconds for its thread.
        recorded = wait_for(lambda: mine.count() == 1 and subscriber.counts["refused"] == 2, seconds=30)
        assert recorded, (mine.count(), dict(subscriber.counts))
        assert mine.get().source == "owntracks" and mine.get().accuracy == 9
    finally:
        subscriber.stop()

    # while it is down the phone goes on publishing; the broker keeps the session's messages
    later = int(timezone.now().timestamp()) + 5
    publish.single(topic, location(tst=later, lat=41.31), qos=1, port=broker)
    back = Subscriber(url, f"{prefix}/+/+", client_id=client_id)
    back.start()
    try:
        assert wait_for(lambda: mine.count() == 2)
        assert back.counts["refused"] == 0  # what was acknowledged before is not handed again
    finally:
        back.stop()
