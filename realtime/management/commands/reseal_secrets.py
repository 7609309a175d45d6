"""``manage.py reseal_secrets``: after a key rotation, seal every stored secret with the new key.

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (the old one after it), restart,
run this, and drop the old key once the live streams have turned over (docs/operations.md).
It covers every model field named ``*_sealed`` (provider tokens and webhook secrets, PINs, 1C
passwords) and the sealed keys of outbox events. Safe to run again: what the first key already
opens is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from core.secrets import SecretUnreadable, reseal, sealed_with_current_key
from realtime.models import OutboxEvent

CHUNK = 500


def sealed_fields() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.name.endswith("_sealed"):
                yield model, field.name


class Command(BaseCommand):
    help = "Seal every stored secret with the first key of FIELD_ENCRYPTION_KEYS (after a key rotation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what needs resealing, change nothing")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        unreadable = 0
        for model, name in sealed_fields():
            done, bad = self._fields(model, name, dry_run)
            unreadable += bad
            self.stdout.write(f"{model._meta.label}.{name}: {done} resealed" + (f", {bad} unreadable" if bad else ""))
        done, bad = self._events(dry_run)
        unreadable += bad
        self.stdout.write(f"outbox events: {done} resealed" + (f", {bad} unreadable" if bad else ""))
        if unreadable:
            raise CommandError(f"{unreadable} values open with no configured key: was a key dropped too early?")

    def _fields(self, model: type[models.Model], name: str, dry_run: bool) -> tuple[int, int]:
        done = bad = 0
        rows = model._base_manager.exclude(**{name: ""}).values_list("pk", name)
        for pk, value in rows.iterator(chunk_size=CHUNK):
            if sealed_with_current_key(value):
                continue
            try:
                fresh = reseal(value)
            except SecretUnreadable:
                bad += 1
                continue
            if not dry_run:
                model._base_manager.filter(pk=pk, **{name: value}).update(**{name: fresh})
            done += 1
        return done, bad

    def _events(self, dry_run: bool) -> tuple[int, int]:
        done = bad = 0
        for event in OutboxEvent.objects.filter(audience__has_key="sealed").iterator(chunk_size=CHUNK):
            data, changed = dict(event.data), False
            for key in event.audience.get("sealed", []):
                value = data.get(key)
                if not isinstance(value, str) or not value or sealed_with_current_key(value):
                    continue
                try:
                    data[key], changed = reseal(value), True
                except SecretUnreadable:
                    bad += 1
            if changed and not dry_run:
                with transaction.atomic():
                    OutboxEvent.objects.filter(pk=event.pk).update(data=data)
            done += changed
        return done, bad
