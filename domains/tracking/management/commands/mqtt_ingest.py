"""Record OwnTracks positions published over MQTT (docs/field.md, "Tracker apps")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from domains.tracking.mqtt import Subscriber
from workers.stopping import StopSignal


class Command(BaseCommand):
    help = "Subscribe to owntracks/<user>/<device token> on MQTT_URL and record each location."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.MQTT_URL, help="mqtt://user:password@host:port (mqtts: TLS)")
        parser.add_argument("--topic", default=settings.MQTT_TOPIC)
        parser.add_argument("--client-id", default="oqim-mqtt-ingest", help="one per subscriber: the broker's session")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = StopSignal()
        subscriber = Subscriber(options["url"], options["topic"], client_id=options["client_id"])
        subscriber.start()
        self.stdout.write(f"mqtt_ingest: subscribing to {options['topic']}\n")
        stop.wait()  # paho's thread does the work, and reconnects by itself
        subscriber.stop()
        self.stdout.write(f"mqtt_ingest: stopped {subscriber.counts}\n")
