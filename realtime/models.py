"""The transactional outbox: one row per domain event, written with the state change."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class OutboxEvent(models.Model):
    """An event committed with its state change and not yet, or already, appended to its stream.

    ``published_at`` stays NULL until the event is in Redis (or the in-process log); the relay
    publishes rows a crash left behind. ``fanout`` is true until the apps following the event
    have had it. Published, fanned-out rows are purged after the stream retention.
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("core.Organization", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=64)
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField()
    # Who may see it: {"roles": [...]} and/or {"users": [...]}; empty means everyone on the topic.
    audience = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Some app follows events of this type here and has not had it yet (realtime.fanout).
    fanout = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["id"], condition=Q(fanout=True), name="outbox_fanout"),
            models.Index(fields=["published_at"], name="outbox_published_at"),
        ]

    def __str__(self) -> str:
        return f"{self.type}#{self.pk}"
