"""The test suite's settings: Oqim's own, and the apps that exist only for the suite.

``tests.lostfound`` is a domain written the way any new one would be (tests/lostfound/): one
folder that declares its capabilities, topic, events, alarm kind, console page and translations,
and an ``INSTALLED_APPS`` line, here. Nothing else in the project names it; its test proves
that is enough. Its endpoints are left out of the committed OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from core.settings import *  # noqa: F403
from core.settings import INSTALLED_APPS, SPECTACULAR_SETTINGS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.lostfound"]

# Tests hand events to their followers themselves (``realtime.fanout.fan_out``) or through a real
# worker; a thread of the test process doing it too would race them for the test database.
REALTIME_FANOUT_IN_PROCESS = False

SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "PREPROCESSING_HOOKS": ["tests.settings.shipped_endpoints"],
}


def shipped_endpoints(endpoints: list[tuple[str, str, str, Any]]) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular's preprocessing hook: the endpoints of the project's own apps only."""
    return [e for e in endpoints if not getattr(e[3], "cls", e[3]).__module__.startswith("tests.")]
