"""The lost-and-found topic and its event."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext_lazy as _

from realtime.events import event_type
from realtime.topics import topic

TOPIC = topic("lostfound", capabilities=("lostfound.view",), description="Things found")


class ItemLogged(TypedDict):
    item_id: int
    description: str
    valuable: bool


ITEM_LOGGED = event_type(
    "lostfound.item_logged",
    title=_("Found item logged"),
    topic="lostfound",
    payload=ItemLogged,
    description="Something was found and logged.",
    message=_("Found: %(description)s."),
)
