"""OwnTracks over MQTT: a subscriber that records the phones' ``owntracks/<user>/<device>``
messages, with the device token as ``<device>`` (OwnTracks' "Device ID" setting).

It keeps a persistent session (a fixed client id, clean_session false) at QoS 1 and acknowledges
a message only after its point is committed, so the broker keeps what arrives while the
subscriber is down. While the database is away, the message is tried again with a backoff and
nothing after it is taken; should the broker drop the connection meanwhile, it hands the
message over again (a point stored twice is a duplicate, not a second point). A message that can never
be recorded (not JSON, an unknown token, a malformed fix) is logged and acknowledged: handing it
again would not change it.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.db import DatabaseError, close_old_connections
from rest_framework.exceptions import ValidationError

from domains.tracking import services
from domains.tracking.models import Source
from domains.tracking.trackers import from_owntracks

logger = logging.getLogger(__name__)


def token_of(topic: str) -> str:
    """``owntracks/<user>/<device>`` → ``<device>``; sub-topics (``…/event``, ``…/cmd``) name none."""
    parts = topic.split("/")
    return parts[2] if len(parts) == 3 else ""


def handle(topic: str, payload: bytes) -> str:
    """Record one message; returns what became of it (for the log and the tests). Raises
    ``DatabaseError`` when it could not be recorded now (the message must not be acknowledged)."""
    token = token_of(topic)
    if not token:
        return "ignored"
    try:
        fix = from_owntracks(json.loads(payload))
        if fix is None:
            return "ignored"
        device = services.device_for(token, field="topic")
        receipt = services.record_tracked(device=device, fix=fix, source=Source.OWNTRACKS)
    except (ValueError, ValidationError) as error:  # not JSON, or a fix/token the API would refuse
        logger.warning("mqtt message refused", extra={"topic": topic, "error": str(error)[:300]})
        return "refused"
    return "duplicate" if receipt.duplicates else "stored"


class Subscriber:
    def __init__(self, url: str, topic: str, *, client_id: str = "oqim-mqtt-ingest") -> None:
        self.url, self.topic = urlsplit(url), topic
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False, manual_ack=True
        )
        if self.url.username:
            self.client.username_pw_set(self.url.username, self.url.password)
        if self.url.scheme == "mqtts":
            self.client.tls_set()
        self.client.on_connect = self._connected
        self.client.on_subscribe = self._subscribed
        self.client.on_message = self._message
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.subscribed = threading.Event()
        self.stopping = threading.Event()
        self.counts = {"stored": 0, "duplicate": 0, "refused": 0, "ignored": 0}

    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            logger.error("mqtt connection refused", extra={"reason": str(reason)})
            return
        client.subscribe(self.topic, qos=1)

    def _subscribed(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any) -> None:
        # Subscribed only once the broker's SUBACK grants it: a message published before that is
        # not routed to this session at all.
        if any(reason.is_failure for reason in reasons):
            logger.error("mqtt subscription refused", extra={"topic": self.topic, "reasons": str(reasons)})
            return
        self.subscribed.set()
        logger.info("mqtt subscribed", extra={"topic": self.topic, "host": self.url.hostname})

    def _message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        delay = 1.0
        while True:
            try:
                outcome = handle(message.topic, message.payload)
                break
            except DatabaseError:
                logger.warning("mqtt message not recorded yet: the database is away", extra={"topic": message.topic})
                close_old_connections()
                if self.stopping.wait(delay):
                    return  # not acknowledged: the broker keeps it for the next subscriber
                delay = min(delay * 2, 30.0)
        self.counts[outcome] += 1
        client.ack(message.mid, message.qos)

    def start(self) -> None:
        self.client.connect_async(self.url.hostname or "127.0.0.1", self.url.port or 1883, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        self.client.disconnect()
        self.client.loop_stop()
