"""Events of the 1C exchange (topic ``onec``: admins)."""

from __future__ import annotations

from typing import TypedDict

from realtime.events import event_type


class ExchangeProgress(TypedDict):
    exchange_id: int
    message: int  # the message just applied
    more: bool  # 1C has more to hand over
    counts: dict[str, int]  # rows created or changed so far in this exchange, per kind


class ExchangeFinished(TypedDict):
    exchange_id: int
    status: str  # succeeded, failed
    messages: int
    counts: dict[str, int]
    url_used: str
    failovers: int
    error: str


class DocumentChanged(TypedDict):
    document_id: int
    kind: str  # customer_order, visit
    ident: str
    status: str  # pending, sent, failed
    attempts: int
    number: str
    last_error: str


PROGRESS = event_type(
    "onec.exchange_progress",
    topic="onec",
    payload=ExchangeProgress,
    description="One message of a 1C exchange was applied (committed with its changes).",
)
FINISHED = event_type(
    "onec.exchange_finished",
    topic="onec",
    payload=ExchangeFinished,
    description="A 1C exchange ended; `error` says why when it failed (its journal row has the details).",
)
DOCUMENT_CHANGED = event_type(
    "onec.document_changed",
    topic="onec",
    payload=DocumentChanged,
    description="A document sent to 1C (an order, a finished visit) was tried, sent, failed or given up on.",
)
