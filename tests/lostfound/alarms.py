"""The alarm the lost-and-found book raises: something valuable was found."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from domains.alarms.api import alarm_kind


class ValuableFound(TypedDict):
    alarm_id: int
    item_id: int
    description: str


VALUABLE_FOUND = alarm_kind(
    "lostfound_valuable",
    label=_("Valuable item found"),
    payload=ValuableFound,
    message=_("Something valuable was found: %(description)s."),
    description="A valuable item was logged; a manager should put it in the safe.",
)
