"""Jobs that a transaction asked for, kept until they are in the broker (workers.outbox)."""

from __future__ import annotations

from django.db import models


class PendingJob(models.Model):
    """One message to send. Written in the transaction that needs the job, so the job exists
    exactly when the change does; deleted once the broker has it."""

    actor_name = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    due_at = models.DateTimeField(help_text="When the job should run (the message's delay).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["created_at", "id"], name="pending_job_age")]

    def __str__(self) -> str:
        return f"{self.actor_name}{tuple(self.args)} due {self.due_at:%H:%M:%S}"
