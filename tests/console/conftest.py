"""The console's browser tests need Playwright and Debian's Chromium (fixtures: tests/browsers.py)."""

from tests.browsers import require_browser

require_browser()
