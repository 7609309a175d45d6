"""Tracking's settings (environment variables; README, "Configuration"; docs/field.md)."""

from core.config import env

# Points older than the retention are dropped (whole daily partitions on PostgreSQL) by the hourly
# ``locations.maintain`` job.
LOCATIONS_RETENTION_DAYS = env.int("LOCATIONS_RETENTION_DAYS", default=90)
# Live frames from every socket of a process are recorded together: wait this long to gather.
LOCATIONS_BATCH_WAIT_MS = env.int("LOCATIONS_BATCH_WAIT_MS", default=5)
LOCATIONS_BATCH_MAX_FRAMES = env.int("LOCATIONS_BATCH_MAX_FRAMES", default=500)
LOCATIONS_INGEST_THREADS = env.int("LOCATIONS_INGEST_THREADS", default=2)  # batches in flight per process
# Overload: a live frame that waited longer than this to be recorded, or found this many frames
# queued ahead of it, is refused with ``unavailable`` and a retry hint instead of waiting.
LOCATIONS_QUEUE_BUDGET_MS = env.int("LOCATIONS_QUEUE_BUDGET_MS", default=500)
LOCATIONS_QUEUE_MAX_FRAMES = env.int("LOCATIONS_QUEUE_MAX_FRAMES", default=4000)
LOCATIONS_MAX_POINTS_PER_FRAME = env.int("LOCATIONS_MAX_POINTS_PER_FRAME", default=100)
LOCATIONS_MAX_POINTS_PER_UPLOAD = env.int("LOCATIONS_MAX_POINTS_PER_UPLOAD", default=5000)
# OwnTracks over MQTT (``manage.py mqtt_ingest``): the broker, and the topics it subscribes to.
MQTT_URL = env.str("MQTT_URL", default="mqtt://127.0.0.1:1883")
MQTT_TOPIC = env.str("MQTT_TOPIC", default="owntracks/+/+")
