"""Fresh databases without migrating each time: migrating takes half a minute on the shared
machine, cloning a migrated template a second.

The template is ``<database>_migrated`` on the same PostgreSQL server (or a SQLite file in the
system's temporary directory), tagged with a digest of every migration file; a template whose
digest differs is rebuilt by ``manage.py migrate`` in a process of its own, so no connection of
this process stays open on it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "realtime", "workers", "domains")


def digest() -> str:
    """What decides the schema: every migration file, and Django's version."""
    h = hashlib.sha1(django.get_version().encode())
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("migrations/*.py")):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def with_database(url: str, name: str) -> str:
    """``url`` naming another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def _migrate(env: dict[str, str]) -> None:
    found = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "core.settings", **env},
        capture_output=True,
        text=True,
    )
    if found.returncode:
        raise SystemExit(f"migrate failed:\n{found.stdout[-3000:]}\n{found.stderr[-3000:]}")


def recreate(url: str) -> None:
    """Drop the PostgreSQL database ``url`` names and create it again, migrated."""
    name, template, tag = database_name(url), f"{database_name(url)}_migrated", digest()
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        if row is not None and row[0] == tag:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        admin.execute(f'CREATE DATABASE "{name}"')
    _migrate({"DATABASE_URL": url})
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        admin.execute(f"COMMENT ON DATABASE \"{template}\" IS '{tag}'")


def recreate_empty(url: str) -> None:
    """Drop and create a database nobody migrates here (a peer's)."""
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database_name(url)}"')


def recreate_sqlite(data_dir: Path) -> None:
    """The embedded database (``<data_dir>/oqim.sqlite3``), fresh and migrated."""
    template = Path(tempfile.gettempdir()) / f"oqim-bench-migrated-{digest()}.sqlite3"
    if not template.exists():
        scratch = Path(tempfile.mkdtemp(prefix="oqim-bench-migrate-"))
        _migrate({"OQIM_DATA_DIR": str(scratch), "DATABASE_URL": "", "REDIS_URL": ""})
        with sqlite3.connect(scratch / "oqim.sqlite3") as source, sqlite3.connect(f"{template}.part") as copy:
            source.backup(copy)
        Path(f"{template}.part").rename(template)
        shutil.rmtree(scratch, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"oqim.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, data_dir / "oqim.sqlite3")
