"""Durable delivery: the one mechanism by which work a transaction committed leaves it, and is
never lost: events into their streams (``realtime.publisher``), jobs into the broker
(``workers.outbox``), events to the apps that follow them (``realtime.fanout``), webhooks to
their receivers and notifications to people (their domains).

Every user writes its rows in the caller's transaction, and keeps its own meaning of them; this
package gives them the rest, once (docs/architecture.md, "Durable delivery"):

- claims: ``drain`` takes pending rows in id order under ``SKIP LOCKED`` for one transaction;
  ``Lease`` holds a row (a notification being sent, an endpoint's line) across a slow send,
  renewed while held and lapsing when its worker dies;
- a backoff schedule and when to give up: ``Backoff``;
- a failing alarm: ``Failing`` counts consecutive failures per subject and calls its hooks
  once when they pass a threshold and once when a success ends them;
- a replay: ``replay`` puts a copy of a finished row back in its line;
- asking a worker to look now, debounced: ``Kicker`` (each line also has a periodic sweep);
- doing it in a thread of the committing process instead, a burst at a time: ``Rounds``.
"""

from __future__ import annotations

from workers.delivery.backoff import Backoff
from workers.delivery.drain import Stop, drain
from workers.delivery.failing import Failing
from workers.delivery.kick import Kicker
from workers.delivery.lease import Lease, Leased, claim, free
from workers.delivery.replay import replay
from workers.delivery.rounds import Rounds

__all__ = ["Backoff", "Failing", "Kicker", "Lease", "Leased", "Rounds", "Stop", "claim", "drain", "free", "replay"]
