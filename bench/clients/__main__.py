"""``python -m bench.clients <kind> <options.json>``: run one generator (bench.harness.sockets)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import uvloop

from bench.clients import dashboards, idle, phones, receivers, subscribers, trackers

KINDS = {
    "phones": phones.run,
    "dashboards": dashboards.run,
    "trackers": trackers.run,
    "subscribers": subscribers.run,
    "idle": idle.run,
    "receivers": receivers.run,
}
# The location generators get their own faster loop: less of the shared cores for the clients.
UVLOOP = {"phones", "dashboards", "trackers"}


def main() -> None:
    kind, given = sys.argv[1], Path(sys.argv[2])
    options = json.loads(given.read_text())
    (uvloop.run if kind in UVLOOP else asyncio.run)(KINDS[kind](**options))


if __name__ == "__main__":
    main()
