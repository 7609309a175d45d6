"""Every page, as the person who uses it reads it, on their device, in Uzbek and in Russian: no word
of the console's English left on screen. Also the screenshots of every page at phone and at
desktop size, as the screen first shows it, that docs/console.md shows (written to
var/screenshots/pages/; docs/console/pages/ holds the Uzbek ones).

What counts as English: the words of the console's own English (every msgid of every app's
catalogs) that no Uzbek or Russian translation uses too. The demo organization's data is Uzbek
(core/demo.py), so whatever of it is on screen is not mistaken for a leftover."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browsers import ROOT

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Each page with the person who works on it and the device they hold (docs/console.md).
PEOPLE = {
    "demo-admin": (DESKTOP, ["operations", "webhooks", "onec", "notifications"]),
    "demo-manager": (DESKTOP, ["alarms", "operator", "shop", "shop-reports", "map"]),
    "demo-cook": (PHONE, ["kitchen"]),
    "demo-cashier": (PHONE, ["till"]),
    "demo-agent": (PHONE, ["agent", "catalog"]),
    "demo-customer": (PHONE, ["order"]),
}
# Names, not words: they read the same in every language (brands of the demo's digital goods,
# protocols and products a person types or sees as they are).
NAMES = {"pubg", "steam", "google", "play", "wallet", "mobile", "traccar", "client", "osmand", "telegram", "json"}
WORD = re.compile(r"[A-Za-z][A-Za-z'ʻʼ]+")  # noqa: RUF001 (Uzbek's apostrophes belong to its words)
# <code> holds identifiers a person types elsewhere as they are (a queue's name): not words.
GATHER = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  document.querySelectorAll("code").forEach((c) => c.remove());
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll("[aria-label],[title],[placeholder],[alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  for (const option of document.querySelectorAll("option")) texts.push(option.textContent);
  return texts.join("\\n");
}"""


def _catalogs() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/**/locale/*/LC_MESSAGES/*.po") if ".venv" not in p.parts)


def _words(text: str) -> set[str]:
    # Addresses (a 1C WSDL, a webhook receiver, an e-mail, a Telegram @handle) are not words.
    text = re.sub(r"https?://\S+|\S*@\S+", " ", text)
    return {w.lower() for w in WORD.findall(text) if len(w) >= 3}


def english_words() -> set[str]:
    """The console's English that its translations do not also use (Telegram, URL, 1C's WSDL)."""
    english: set[str] = set()
    translated: set[str] = set()
    for path in _catalogs():
        for entry in polib.pofile(str(path)):
            # Placeholders (%(name)s, {count}) are not words a person reads.
            english |= _words(re.sub(r"%\(\w+\)\w|\{\w+\}", " ", entry.msgid + " " + entry.msgid_plural))
            translated |= _words(" ".join([entry.msgstr, *entry.msgstr_plural.values()]))
    return english - translated - NAMES


# What the 1C page's journal holds after an outage, as the client and the sender store it (English):
# the page must show Oqim's part of it in the reader's language (domains/onec/problems.py).
FAILURES = """
from django.utils import timezone
from core.demo import DEMO_SLUG
from core.models import Organization
from domains.onec.models import Document, Exchange
tenant = Organization.objects.get(slug=DEMO_SLUG)
now = timezone.now()
Exchange.objects.create(tenant=tenant, trigger="schedule", status="failed", started_at=now, finished_at=now,
    error="http://127.0.0.1:9/ws?wsdl: connection failed (ConnectionError); http://1c.example.uz/ws: no answer in time")
Document.objects.update_or_create(tenant=tenant, kind="visit", ident="visit-scan", defaults=dict(object_id=1,
    status="failed", attempts=40, last_error="gave up after 40 attempts: http://1c.example.uz/ws: HTTP 401: "
    "check the user and password (PutDocument)"))
"""


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    # Map tiles cannot load here (no internet): what the page fetched from Oqim is enough.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5000)


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_no_english_is_left_on_any_page_in_uzbek_or_russian(oqim, tab, language):  # type: ignore[no-untyped-def]
    subprocess.run([sys.executable, "manage.py", "shell", "-c", FAILURES], cwd=ROOT, env=oqim.env, check=True)
    english = english_words()
    assert {"serve", "stock", "visit", "check"} <= english  # the vocabulary is the console's
    seen: set[str] = set()
    left: dict[str, list[str]] = {}
    for username, (device, slugs) in PEOPLE.items():
        person = tab(username, locale=language, **device)
        for slug in slugs:
            person.open(slug)
            _settle(person.page)
            seen.add(slug)
            person.shot(f"pages/{slug}-{language}-{'phone' if device is PHONE else 'desktop'}", full_page=False)
            found = _words(person.page.evaluate(GATHER)) & english
            if found:
                left[f"{slug} ({username})"] = sorted(found)
            other = PHONE if device is DESKTOP else DESKTOP
            person.page.set_viewport_size(other["viewport"])
            person.page.reload()
            person.open(slug)
            _settle(person.page)
            person.shot(f"pages/{slug}-{language}-{'phone' if other is PHONE else 'desktop'}", full_page=False)
            person.page.set_viewport_size(device["viewport"])
    from core.console.pages import PAGES
    from tests.declared import shipped

    assert seen == set(shipped(PAGES)), "a page no person here reads"
    assert not left, f"English on {language} pages: {left}"
