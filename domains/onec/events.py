"""Events of the 1C exchange (topic ``onec``: admins)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from domains.onec import problems
from realtime.events import event_type
from realtime.topics import topic

ONEC_TOPIC = topic("onec", capabilities=("onec.manage",), description="1C exchanges' progress and results")


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
    title=gettext_lazy("1C exchange in progress"),
    topic="onec",
    payload=ExchangeProgress,
    description="One message of a 1C exchange was applied (committed with its changes).",
)
FINISHED = event_type(
    "onec.exchange_finished",
    title=gettext_lazy("1C exchange finished"),
    topic="onec",
    payload=ExchangeFinished,
    description="A 1C exchange ended; `error` says why when it failed (its journal row has the details).",
    message=lambda data: (
        (
            _("The exchange with 1C is done: %(messages)s messages applied.")
            if data["status"] == "succeeded"
            else _("The exchange with 1C failed: %(error)s")
        )
        % {"messages": data["messages"], "error": problems.read(data["error"]) or "—"}
    ),
)
DOCUMENT_CHANGED = event_type(
    "onec.document_changed",
    title=gettext_lazy("1C document status changed"),
    topic="onec",
    payload=DocumentChanged,
    description="A document sent to 1C (an order, a finished visit) was tried, sent, failed or given up on.",
    message=lambda data: (
        {
            "sent": _("1C took document %(ident)s as %(number)s."),
            "failed": _("1C did not take document %(ident)s: %(error)s"),
        }.get(data["status"], _("Document %(ident)s waits to be sent to 1C."))
        % {"ident": data["ident"], "number": data["number"] or "—", "error": problems.read(data["last_error"]) or "—"}
    ),
)
