"""A notification's text, in the recipient's language: the sentence the event's own app declared
for its type (``realtime.events.describe``). Rules follow only types that have one; an event of
an older version that no longer fits it says only that something changed, never its raw fields.
Sealed fields (a PIN) never go into a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from realtime.events import describe

MAX_CHARS = 1000


def render(*, event_type: str, data: Mapping[str, Any], language: str, organization: str) -> str:
    with translation.override(language):
        body = describe(event_type, data) or gettext("Something changed (%(event)s).") % {"event": event_type}
    return f"[{organization}] {body}"[:MAX_CHARS]
