"""A notification's text, in the recipient's language: a sentence per event type people are
told about, and for any other type its name with the event's plain fields. Sealed fields (a
PIN) never go into a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from realtime.events import EVENT_TYPES

SENTENCES = {
    "stock.low": _("Low stock: %(name)s is at %(quantity)s %(unit)s (minimum %(minimum)s)."),
    "stock.recovered": _("Stock recovered: %(name)s is at %(quantity)s %(unit)s again."),
    "alarm.variance": _("Kitchen variance for %(subject)s is %(difference_pct)s%% (threshold %(threshold_pct)s%%)."),
    "alarm.provider_errors": _(
        "Order provider %(provider_name)s failed %(consecutive_errors)s calls in a row: %(last_error)s"
    ),
    "alarm.onec_failing": _("The 1C exchange is failing: %(error)s"),
    "alarm.outside_territory": _("%(agent)s is outside their territory (%(territories)s)."),
    "alarm.webhook_failing": _("Webhook %(url)s is %(state)s: %(reason)s"),
    "alarm.notify_failing": _("Notifications over %(channel)s keep failing: %(error)s"),
    "alarm.cleared": _("Cleared: the %(kind)s alarm (%(subject)s) is over."),
}
MAX_CHARS = 1000


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def render(
    *, event_type: str, data: Mapping[str, Any], language: str, organization: str, names: Mapping[str, str]
) -> str:
    """``names``: display names the event only has ids of (``agent``)."""
    spec = EVENT_TYPES.get(event_type)
    sealed = set(spec.sealed) if spec else set()
    fields = {k: _plain(v) for k, v in data.items() if k not in sealed}
    with translation.override(language):
        try:
            body = str(SENTENCES[event_type]) % {**fields, **names}
        except (KeyError, ValueError, TypeError):  # no sentence for the type, or an older payload
            body = ""
        if not body:
            lines = [f"{key}: {value}" for key, value in fields.items()]
            body = "\n".join([event_type, *lines])
    return f"[{organization}] {body}"[:MAX_CHARS]
