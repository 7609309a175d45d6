"""Numbers as people read them in messages (Telegram, e-mail, SMS, PDFs), in the active language:
Uzbek and Russian group digits with a space and write a decimal comma (12 500,5), English with a
comma and a point; sums in UZS are whole (so\u02bbm in Uzbek); quantities drop trailing zeros (0.000 g is
"0 g") and name their unit in the reader's words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language, gettext, pgettext

from core.models import User

NBSP = "\u00a0"


def number(value: Any, *, places: int | None = None) -> str:
    """``value`` grouped and with the language's decimal mark; ``places`` rounds (None: as given,
    trailing zeros dropped)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if places is not None:
        amount = round(amount, places)
    text = f"{amount:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if (get_language() or "en")[:2] in ("uz", "ru"):
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def money(amount: Any, currency: str = "UZS") -> str:
    if currency == "UZS":
        name = pgettext("currency", "UZS")
        return f"{number(amount, places=0)} {name}"
    return f"{number(amount, places=2)} {currency}"


UNITS = {"g": lambda: gettext("g"), "ml": lambda: gettext("ml"), "pcs": lambda: gettext("pcs")}


def quantity(value: Any, unit: str = "") -> str:
    words = UNITS.get(unit)
    return f"{number(value)} {words() if words else unit}".strip()


def person(user_id: Any) -> str:
    """A member as others know them: their full name, else their login, else #id."""
    found = User.objects.filter(pk=user_id).values_list("first_name", "last_name", "username").first()
    if found is None:
        return f"#{user_id}"
    return " ".join(part for part in found[:2] if part) or found[2]
