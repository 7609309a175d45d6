"""Holding a row while work on it is under way outside any transaction (an HTTP call).

A lease is two columns on the row (``Leased``): until when, and by whom. Taking it is one
conditional UPDATE, so two workers never both hold it; a worker killed mid-send stops renewing,
and the row is free ``seconds`` later for the next one.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone


class Leased(models.Model):
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=36, blank=True, default="")

    class Meta:
        abstract = True


def free(now: object | None = None) -> Q:
    """Rows no worker holds now."""
    now = now or timezone.now()
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def claim(queryset: models.QuerySet, *, seconds: float, owner: str = "") -> bool:
    """Lease the row(s) of ``queryset`` that are free (or already ``owner``'s) for ``seconds``;
    True if any was taken. No renewal: for work that ends well within ``seconds``."""
    now = timezone.now()
    mine = Q(lease_owner=owner) if owner else Q(pk__in=[])
    return bool(
        queryset.filter(free(now) | mine).update(lease_until=now + timedelta(seconds=seconds), lease_owner=owner)
    )


class Lease:
    """One row held by this worker, renewed by a thread of its own every ``renew_every`` seconds
    however long the work takes; ``lost`` turns true if another worker took it over (this one
    stalled past ``seconds``), and the work should stop."""

    def __init__(self, model: type[Leased], pk: int, *, seconds: float = 6.0, renew_every: float = 2.0) -> None:
        self.rows = model._default_manager.filter(pk=pk)
        self.seconds, self.renew_every = seconds, renew_every
        self.owner = uuid.uuid4().hex
        self.done = threading.Event()
        self.lost = False
        self.thread: threading.Thread | None = None

    def take(self) -> bool:
        if not claim(self.rows, seconds=self.seconds, owner=self.owner):
            return False
        self.thread = threading.Thread(target=self._renew, name="delivery-lease", daemon=True)
        self.thread.start()
        return True

    def _renew(self) -> None:
        try:
            while not self.done.wait(self.renew_every):
                if not claim(self.rows, seconds=self.seconds, owner=self.owner):
                    self.lost = True
                    return
        finally:
            connection.close()  # this thread's own

    def release(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        self.rows.filter(lease_owner=self.owner).update(lease_until=None, lease_owner="")
