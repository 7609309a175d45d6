"""Stream positions, entries and replays: the shapes both event stores share (``realtime.streams``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.secrets import unseal
from core.timezones import iso_z
from realtime.models import OutboxEvent

Key = tuple[int, int]
ZERO: Key = (0, 0)
PREFIX = "oqim:rt"
TRIM_SLACK = 100  # a topic stream holds up to REALTIME_STREAM_MAXLEN + this, then drops the excess


def trim_slack() -> int:
    """Entries a topic stream may hold over its MAXLEN before the excess goes: a hundredth of
    it, at most ``TRIM_SLACK`` (exact for small caps)."""
    return min(TRIM_SLACK, settings.REALTIME_STREAM_MAXLEN // 100)


APPEND_CHUNK = 200  # events per script call: one call keeps Redis busy ~5 ms at most


class InvalidPosition(ValueError):
    """Not a "<ms>-<seq>" position."""


def parse_position(value: str) -> Key:
    """ "<ms>-<seq>" -> (ms, seq); raises ``InvalidPosition`` for anything else."""
    ms, sep, seq = value.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit() or len(value) > 41:
        raise InvalidPosition(value)
    return int(ms), int(seq)


def format_position(key: Key) -> str:
    return f"{key[0]}-{key[1]}"


# Keys are grouped in shards: an organization's streams live in shard ``tenant % REALTIME_SHARDS``
# with that shard's firehose, epoch, trim record and dedupe keys, all under one hash tag, so a
# publish is one script call in one Redis Cluster slot. Web processes tail every shard's firehose.


def shard_of(tenant_id: int) -> int:
    return tenant_id % settings.REALTIME_SHARDS


def shard_tag(shard: int) -> str:
    return f"{PREFIX}:{{{shard}}}"


def stream_key(tenant_id: int, topic: str) -> str:
    return f"{shard_tag(shard_of(tenant_id))}:s:{tenant_id}:{topic}"


def firehose_key(shard: int) -> str:
    return f"{shard_tag(shard)}:firehose"


def epoch_key(shard: int) -> str:
    return f"{shard_tag(shard)}:epoch"


def trimmed_key(shard: int) -> str:
    return f"{shard_tag(shard)}:trimmed"


def dedupe_key(shard: int, event_id: object) -> str:
    return f"{shard_tag(shard)}:pub:{event_id}"


class Unreplicated(RuntimeError):
    """Appended, but fewer replicas than ``REALTIME_PUBLISH_REPLICAS`` acknowledged some of the
    events in time: a failover now could lose them, so their rows stay for the relay."""

    def __init__(self, confirmed: list[int]) -> None:
        super().__init__("events not yet acknowledged by enough replicas")
        self.confirmed = confirmed  # indexes of the rows that are safe


@dataclass(frozen=True, slots=True)
class Entry:
    """One published event as a web process sees it."""

    tenant_id: int
    topic: str
    position: str
    key: Key
    envelope: str  # the event's JSON text, sent as is
    audience: dict[str, list]

    def frame(self) -> str:
        """The ``event`` frame, built once per event and shared by every recipient."""
        envelope = self.envelope
        sealed = self.audience.get("sealed")
        if sealed:  # only built for recipients the audience admits (hub.visible)
            event = json.loads(envelope)
            event["data"].update({key: unseal(event["data"][key]) for key in sealed if event["data"][key]})
            envelope = json.dumps(event, separators=(",", ":"))
        return f'{{"type":"event","topic":{json.dumps(self.topic)},"position":"{self.position}","event":{envelope}}}'


@dataclass
class Replay:
    entries: list[Entry]
    head: str  # the stream's newest position (the epoch while it is empty)
    complete: bool  # False: something after ``since`` is gone; the client must resync


def envelope(row: OutboxEvent) -> dict[str, Any]:
    """What subscribers receive as ``event`` (the stream position travels beside it)."""
    return {
        "id": str(row.event_id),
        "type": row.type,
        "version": row.version,
        "tenant": row.tenant_id,
        "topic": row.topic,
        "occurred_at": iso_z(row.occurred_at),
        "actor": row.actor_id,
        "data": row.data,
    }


def serialize(row: OutboxEvent) -> tuple[str, str]:
    return json.dumps(envelope(row), separators=(",", ":")), json.dumps(row.audience, separators=(",", ":"))


def stream_entry(tenant_id: int, topic: str, position: str, envelope: str, audience: str) -> Entry:
    return Entry(tenant_id, topic, position, parse_position(position), envelope, json.loads(audience))


def position_valid(since: Key, *, epoch: Key, max_deleted: Key, last: Key) -> bool:
    return since >= epoch and since >= max_deleted and since <= last
