"""Every word the code shows or sends a person has its Uzbek and Russian translation.

For each of our apps, Django's own `makemessages` (xgettext, as a translator runs it) gathers the
app's messages (Python, templates and console scripts) into a copy of its catalogs; a message
without a translation there, or with only a fuzzy guess, fails. So does a catalog whose compiled
`.mo` lags its `.po`. Fix: add the words to `<app>/locale/<uz|ru>/LC_MESSAGES/*.po` and compile
them (`manage.py compilemessages` in the app's folder, or `msgfmt`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("uz", "ru")
IGNORE = ["migrations/*", "static/console/vendor/*", "*.min.js"]


def _ours() -> list[Path]:
    found = {Path(app.path) for app in apps.get_app_configs()}
    paths = sorted(path for path in found if path.is_relative_to(ROOT) and "site-packages" not in path.parts)
    # An app inside another's folder (core.console in core) is gathered with it.
    return [path for path in paths if not any(other != path and path.is_relative_to(other) for other in paths)]


@pytest.fixture(scope="module")
def gathered(tmp_path_factory) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """app -> the messages with no translation, per language and domain."""
    missing: dict[str, list[str]] = {}
    here = os.getcwd()
    try:
        for app in _ours():
            copy = tmp_path_factory.mktemp(app.name) / app.name
            shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
            (copy / "locale").mkdir(exist_ok=True)
            os.chdir(copy)
            for domain in ("django", "djangojs"):
                call_command("makemessages", locale=list(LANGUAGES), domain=domain, ignore_patterns=IGNORE, verbosity=0)
            for po in sorted(copy.glob("locale/*/LC_MESSAGES/*.po")):
                entries = [e for e in polib.pofile(str(po)) if not e.obsolete]
                lacking = [e.msgid for e in entries if e.fuzzy or not (e.msgstr or e.msgid_plural)]
                lacking += [e.msgid_plural for e in entries if e.msgid_plural and not all(e.msgstr_plural.values())]
                if lacking:
                    missing[f"{app.relative_to(ROOT)}/{po.relative_to(copy)}"] = lacking
    finally:
        os.chdir(here)
    return missing


def test_every_message_has_its_uzbek_and_russian_words(gathered):  # type: ignore[no-untyped-def]
    assert not gathered, "\n".join(f"{po}: {words}" for po, words in gathered.items())


def test_compiled_catalogs_match_their_sources():
    stale = []
    for app in _ours():
        for po_path in app.glob("locale/*/LC_MESSAGES/*.po"):
            entries = polib.pofile(str(po_path))
            po = {(e.msgctxt, e.msgid): e.msgstr for e in entries if e.msgstr and not e.fuzzy and not e.obsolete}
            mo_path = po_path.with_suffix(".mo")
            mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))} if mo_path.exists() else {}
            if {k: v for k, v in mo.items() if k[1]} != {k: v for k, v in po.items() if k[1]}:
                stale.append(str(po_path.relative_to(ROOT)))
    assert not stale, f"compile these: {stale}"
