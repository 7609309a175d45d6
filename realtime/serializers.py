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


class RealtimeStatusOutput(serializers.Serializer):
    connections = serializers.IntegerField(help_text="Your organization's sockets on the answering web process.")
    topics = TopicStatus(many=True)
    outbox_pending = serializers.IntegerField(help_text="Committed events not yet published.")
    outbox_oldest_age_seconds = serializers.FloatField()
