"""Wire formats of the realtime REST endpoints."""

from __future__ import annotations

from rest_framework import serializers


class TicketOutput(serializers.Serializer):
    ticket = serializers.CharField(help_text="Single use; valid for `expires_in` seconds.")
    expires_in = serializers.IntegerField()
    url = serializers.CharField(help_text="Path to open, relative to this server: `/ws/?ticket=...`.")


class TopicStatus(serializers.Serializer):
    topic = serializers.CharField()
    length = serializers.IntegerField(help_text="Events retained in the stream.")
    subscriptions = serializers.IntegerField(help_text="Sockets subscribed on the answering web process.")


class QueueStatus(serializers.Serializer):
    name = serializers.CharField()
    messages = serializers.IntegerField(help_text="Waiting or being worked on.")
    delayed = serializers.IntegerField(help_text="Waiting for their retry time.")


class BackgroundStatus(serializers.Serializer):
    """Shared by every organization on this installation: the queues are."""

    mode = serializers.ChoiceField(choices=["embedded", "services"])
    jobs_pending = serializers.IntegerField(help_text="Jobs committed but not yet handed to the broker.")
    jobs_oldest_age_seconds = serializers.FloatField()
    queues = QueueStatus(many=True)
    workers = serializers.IntegerField(
        allow_null=True, help_text="Worker processes with a live heartbeat; null when embedded."
    )
    scheduler_leader_ttl_ms = serializers.IntegerField(
        allow_null=True,
        help_text="Time left on the scheduler leader's lock; null when no scheduler leads (or embedded).",
    )


class RealtimeStatusOutput(serializers.Serializer):
    connections = serializers.IntegerField(help_text="Your organization's sockets on the answering web process.")
    topics = TopicStatus(many=True)
    outbox_pending = serializers.IntegerField(help_text="Committed events not yet published.")
    outbox_oldest_age_seconds = serializers.FloatField()
    background = BackgroundStatus(help_text="Queues, workers, job outbox and scheduler (operations page).")
