"""Delete the event keys an earlier layout or shard count left in Redis (docs/scaling.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime.streams import RedisStreams, streams


class Command(BaseCommand):
    help = "List (or with --delete, remove) event keys the current REALTIME_SHARDS layout no longer uses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="Remove them (default: only list them).")

    def handle(self, *args: object, delete: bool, **options: Any) -> None:
        store = streams()
        if not isinstance(store, RedisStreams):
            raise CommandError("Embedded mode keeps events in memory: there is nothing to prune.")
        stale = store.stale_keys()
        for key in stale:
            self.stdout.write(key)
        if delete and stale:
            for start in range(0, len(stale), 500):
                pipe = store.client.pipeline(transaction=False)
                for key in stale[start : start + 500]:
                    pipe.unlink(key)  # one key a command: on a cluster the keys span slots
                pipe.execute()
        verb = "deleted" if delete else "to delete (run again with --delete)"
        self.stdout.write(f"{len(stale)} stale event keys {verb}; REALTIME_SHARDS={settings.REALTIME_SHARDS}")
