"""Every benchmark's ``--smoke`` run (docs/benchmarks.md), so that none can rot unnoticed: each
bench script runs as a user runs it, in a process of its own, at its smallest sizes, and fails
here when it crashes, breaks one of its invariants (nothing lost, no duplicates, no drift), prints
a NaN figure or leaves out a key the docs quote (bench/harness/result.py).

The mode is this run's: embedded (no DATABASE_URL/REDIS_URL) runs the benches that work there
(HTTP and our plumbing, on SQLite); the services run (CI's second ``make test``) runs them all, on
a database of their own beside this run's (``<database>_bench``, cloned from a migrated template)
and Redis database 14 of the same server, both wiped: set BENCH_DATABASE_URL / BENCH_REDIS_URL to
put them elsewhere. A bench that needs what is missing here (the services, wrk, pgbench, root for
network namespaces, Chromium) is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.scale.netns import netns_available

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SERVICES = bool(os.environ.get("REDIS_URL")) and os.environ.get("DATABASE_URL", "").startswith("postgres")
TIMEOUT = 300  # seconds; a smoke run takes well under a minute on an idle machine


@dataclass(frozen=True)
class Bench:
    script: str
    args: tuple[str, ...] = ()
    services: bool = True  # needs PostgreSQL and Redis
    tools: tuple[str, ...] = ()  # programs it runs
    hosts: bool = False  # network namespaces (root)
    browser: bool = False

    @property
    def name(self) -> str:
        return "-".join([self.script.removesuffix(".py"), *(a.strip("-") for a in self.args)])


BENCHES = [
    Bench("http_api.py", services=False, tools=("wrk",)),
    Bench("plumbing.py", services=False, tools=("wrk",)),
    Bench("realtime.py"),
    Bench("realtime.py", ("--hosts",), tools=("redis-server",), hosts=True),
    Bench("kitchen.py", tools=("pgbench",)),
    Bench("sales.py", tools=("pgbench",)),
    Bench("orders.py"),
    Bench("webhooks.py"),
    Bench("locations.py"),
    Bench("onec.py"),
    Bench("console.py", browser=True),
]


def services_env() -> dict[str, str]:
    """The benches' own databases beside this run's: they wipe them."""
    database = urlsplit(os.environ["DATABASE_URL"])
    redis = urlsplit(os.environ["REDIS_URL"])
    bench_redis = os.environ.get("BENCH_REDIS_URL") or urlunsplit(redis._replace(path="/14"))
    if bench_redis == os.environ["REDIS_URL"] and not os.environ.get("BENCH_REDIS_URL"):
        pytest.skip("this run's Redis database is the benches' (14): set BENCH_REDIS_URL, they wipe it")
    return {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or urlunsplit(database._replace(path=f"{database.path}_bench")),
        "REDIS_URL": bench_redis,
    }


def why_not(bench: Bench) -> str | None:
    """Why ``bench`` cannot run here, or None."""
    if bench.services and not SERVICES:
        return "needs PostgreSQL and Redis (the services run of make test)"
    if missing := [tool for tool in bench.tools if shutil.which(tool) is None]:
        return f"needs {', '.join(missing)}"
    if bench.hosts and (reason := netns_available()):
        return reason
    if bench.browser:
        chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "needs Playwright"
        if not Path(chromium).exists():
            return f"no Chromium at {chromium}"
    return None


@pytest.mark.parametrize("bench", BENCHES, ids=lambda b: b.name)
def test_the_benchmark_runs_and_keeps_its_invariants(bench: Bench, tmp_path: Path) -> None:
    if reason := why_not(bench):
        pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(services_env() if SERVICES else {})
    env["OQIM_DATA_DIR"] = str(tmp_path)
    try:
        done = subprocess.run(
            [sys.executable, f"bench/{bench.script}", *bench.args, "--smoke"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"bench/{bench.script} --smoke took over {TIMEOUT} s:\n{exc.stdout}\n{exc.stderr}")
    shown = f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}\n(servers' logs in {tmp_path / 'logs'})"
    assert done.returncode == 0, shown
    assert done.stdout.strip().splitlines()[-1].startswith("RESULT "), shown
