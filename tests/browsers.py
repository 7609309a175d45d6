"""A real Oqim (migrated, demo data loaded) and Debian's Chromium driven by Playwright: the
fixtures of every browser test (tests/console/, and any domain's own, such as tests/lostfound/),
one of each per run (tests/conftest.py loads this plugin).

The server gets its own database so the pages see exactly the demo a user gets from `make run`:
a fresh SQLite file in embedded mode; with DATABASE_URL/REDIS_URL set (CI's services run), a
fresh PostgreSQL database and Redis database, plus a worker and a scheduler process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.net import free_port
from tests.notifications.fakes import FakeBotApi, fake_bot_api

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("OQIM_SCREENSHOTS", ROOT / "var" / "screenshots"))
PASSWORD = "oqim-demo-pass"


def require_browser() -> None:
    """Skip the calling test module when Playwright or Debian's Chromium is missing."""
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def _services_env(tmp: Path) -> dict[str, str]:
    base_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not (base_url and redis_url):
        return {"DATABASE_URL": "", "REDIS_URL": "", "OQIM_DATA_DIR": str(tmp)}
    import psycopg
    import redis

    parts = urlsplit(base_url)
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS oqim_console WITH (FORCE)")
        conn.execute("CREATE DATABASE oqim_console")
    redis_parts = urlsplit(redis_url)
    console_redis = urlunsplit(redis_parts._replace(path="/13"))
    redis.Redis.from_url(console_redis).flushdb()
    return {
        "DATABASE_URL": urlunsplit(parts._replace(path="/oqim_console")),
        "REDIS_URL": console_redis,
        "OQIM_DATA_DIR": str(tmp),
    }


class Oqim:
    """`manage.py web` (and in services mode `worker` and `scheduler`) as a user runs them."""

    def __init__(self, tmp: Path, **extra_env: str) -> None:
        self.tmp = tmp
        self.env = {**os.environ, **_services_env(tmp), "PYTHONUNBUFFERED": "1", **extra_env}
        self.env = {k: v for k, v in self.env.items() if v != ""}
        self.services = "REDIS_URL" in self.env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=self.env, check=True, capture_output=True
            )
        self.background = []
        if self.services:
            self.background = [self._spawn("worker"), self._spawn("scheduler")]
        self.start()

    def _spawn(self, *command: str) -> subprocess.Popen:
        log = (self.tmp / f"{command[0]}.log").open("a")
        return subprocess.Popen(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        self.web = self._spawn("web", "--port", str(self.port), "--host", "127.0.0.1")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert self.web.poll() is None, (self.tmp / "web.log").read_text()
            try:
                with urllib.request.urlopen(self.base + "/ready/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError((self.tmp / "web.log").read_text())

    def stop_web(self) -> None:
        self.web.terminate()
        try:
            self.web.wait(20)
        except subprocess.TimeoutExpired:
            self.web.kill()
            self.web.wait()

    def stop(self) -> None:
        self.stop_web()
        for process in self.background:
            process.terminate()
        for process in self.background:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def telegram() -> Iterator[FakeBotApi]:
    """The Bot API the console's server talks to (tests/notifications/fakes.py)."""
    with fake_bot_api() as api:
        yield api


@pytest.fixture(scope="session")
def oqim(tmp_path_factory, telegram) -> Iterator[Oqim]:  # type: ignore[no-untyped-def]
    server = Oqim(tmp_path_factory.mktemp("console"), TELEGRAM_API_URL=telegram.url)
    yield server
    server.stop()


# Per module: Playwright's sync API keeps its event loop in the main thread while it runs, and a
# later test of another module may run its own (asyncio.run).
@pytest.fixture(scope="module")
def browser() -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


class Tab:
    """One signed-in browser context; records CSP violations and page errors."""

    def __init__(self, browser, oqim: Oqim, username: str, **context) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "en-US", **context})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.page.on("console", self._console)
        self.base = oqim.base
        self.page.goto(oqim.base + "/console/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button.primary")
        self.page.wait_for_url("**/console/*/")

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        # Refused requests (a 409 shortage, a 403, tiles with no internet, a restarting server)
        # are expected and shown to the user; a policy violation or a script error never is.
        if "Content Security Policy" in message.text or (
            message.type == "error" and "Failed to load resource" not in message.text
        ):
            self.problems.append(message.text)

    def open(self, slug: str) -> None:
        self.page.goto(f"{self.base}/console/{slug}/")
        from playwright.sync_api import expect

        expect(self.page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=15000)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        path = SHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, oqim):  # type: ignore[no-untyped-def]
    opened: list[Tab] = []

    def make(username: str, **context) -> Tab:  # type: ignore[no-untyped-def]
        opened.append(Tab(browser, oqim, username, **context))
        return opened[-1]

    yield make
    for one in opened:
        assert not one.problems, one.problems
        one.close()
