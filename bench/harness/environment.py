"""The bench process: which databases it runs on, a fresh start of them, and Django.

Two modes, as for the project itself: services (PostgreSQL ``DATABASE_URL`` and ``REDIS_URL``)
and embedded (SQLite in the run's directory, in-process broker and layer). A bench that needs
the services names its default databases with ``services(...)``; the environment wins, so
``make test`` and a developer can point it elsewhere.

Every process a bench starts inherits this environment (``servers``), so the bench process and
its servers always agree on the databases.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.harness import databases

# Tokens are issued once, before the load: they must outlive the whole run (the default is 5 min).
TOKEN_SECONDS = "7200"
# What the servers' /metrics asks for (it is off without one): the benches read their counters there.
METRICS_TOKEN = "bench-metrics"


def services(*, database: str, redis_db: int) -> None:
    """This bench needs PostgreSQL and Redis: the local ones, ``database`` and Redis database
    ``redis_db`` (both wiped), unless DATABASE_URL and REDIS_URL say otherwise."""
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (DATABASE_URL=postgres://...)")


def embedded() -> bool:
    return not os.environ.get("REDIS_URL")


def postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def run_dir() -> Path:
    """This run's directory: the embedded database, the servers' data and their logs."""
    return Path(os.environ["OQIM_DATA_DIR"])


def prepare_process() -> None:
    """What every bench process (and every process it starts) runs with."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["JWT_ACCESS_TTL_SECONDS"] = TOKEN_SECONDS
    os.environ["METRICS_TOKEN"] = METRICS_TOKEN
    if not os.environ.get("OQIM_DATA_DIR"):
        os.environ["OQIM_DATA_DIR"] = tempfile.mkdtemp(prefix="oqim-bench-")


def setup() -> None:
    """Django's apps, loaded when a bench script is imported (it connects to nothing yet), so
    the script and the harness's domain modules can import models at module level."""
    import django

    prepare_process()
    django.setup()


def fresh() -> None:
    """Empty, migrated databases (PostgreSQL or SQLite) and an empty Redis database."""
    from django.db import connections

    connections.close_all()
    if postgres():
        databases.recreate(os.environ["DATABASE_URL"])
    elif not os.environ.get("DATABASE_URL"):
        databases.recreate_sqlite(run_dir())
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
