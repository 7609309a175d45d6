"""Configuration helpers that settings.py and the process commands share.

Kept free of Django imports: settings.py loads this before Django is configured.
"""

from __future__ import annotations

import fcntl
import importlib
import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlparse

import environ

from core.secrets import valid_key


class ConfigurationError(RuntimeError):
    """The environment asks for something Oqim refuses to run with."""


# The environment every settings module reads (core.settings, and each app's ``conf``).
env = environ.Env()


def app_settings(installed_apps: list[str], base_dir: Path) -> dict[str, Any]:
    """The knobs each of this project's apps declares in its own ``<app>/conf.py`` (upper-case
    names read from the environment, as in settings.py): a domain's settings live in its folder.
    A dict-valued ``ENUM_NAME_OVERRIDES`` there joins the OpenAPI schema's enum names."""
    found: dict[str, Any] = {"ENUM_NAME_OVERRIDES": {}}
    for name in installed_apps:
        if not (base_dir.joinpath(*name.split(".")) / "conf.py").is_file():
            continue  # third-party apps are never imported here: Django is not set up yet
        module = importlib.import_module(f"{name}.conf")
        for key, value in vars(module).items():
            if key == "ENUM_NAME_OVERRIDES":
                found[key].update(value)
            elif key.isupper():
                found[key] = value
    return found


# WAL lets the embedded worker thread read while a request writes. Every write transaction
# takes the lock when it begins (IMMEDIATE), so it waits up to ``timeout`` seconds for another
# writer: a deferred one that upgrades from reading fails at once with "database is locked".
SQLITE_OPTIONS = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}


def database_config(env: environ.Env, data_dir: Path) -> dict[str, Any]:
    """``DATABASE_URL`` or the embedded SQLite file under ``OQIM_DATA_DIR``.

    PostgreSQL goes through psycopg 3 with Django's connection pool: under ASGI every request
    may run on a different thread, and per-thread persistent connections leak (docs/decisions.md).
    """
    url = env.str("DATABASE_URL", default="")
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "oqim.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "TEST": {"NAME": str(data_dir / "test.sqlite3")},
        }
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":  # a file named by URL needs them as much
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    if config["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        config["ENGINE"] = "core.db.postgresql"  # Django's, with C-speed timestamps
        options = config.setdefault("OPTIONS", {})
        if env.bool("DB_POOL", default=True):
            options["pool"] = {
                "min_size": env.int("DB_POOL_MIN", default=1),
                "max_size": env.int("DB_POOL_MAX", default=20),
                "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            }
            config["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
        else:
            config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
        # With the pool, Django passes psycopg_pool's check_connection: a connection the server
        # closed (restart, pg_terminate_backend) is replaced before a request gets it.
        config["CONN_HEALTH_CHECKS"] = True
        # A host that drops off the network mid-transaction must not hold its row locks for the
        # hours TCP takes to notice: the server ends a transaction left idle this long, and the
        # client's keepalives find a dead server within half a minute.
        idle_ms = env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=60_000)
        if idle_ms:
            options.setdefault("options", f"-c idle_in_transaction_session_timeout={idle_ms}")
        options.setdefault("keepalives", 1)
        options.setdefault("keepalives_idle", 10)
        options.setdefault("keepalives_interval", 5)
        options.setdefault("keepalives_count", 3)
    return config


def parse_nodes(value: str | list[str]) -> list[tuple[str, int]]:
    """ "host:port,host:port" (or a list of them) -> [(host, port), ...]."""
    items = value.split(",") if isinstance(value, str) else value
    nodes = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"{item!r} is not host:port")
        nodes.append((host.strip("[]"), int(port)))
    return nodes


def url_options(url: str) -> dict[str, Any]:
    """User, password and database number from ``REDIS_URL`` (its host is Sentinel's to find)."""
    parsed = urlparse(url or "redis://")
    options: dict[str, Any] = {"db": int(parsed.path.strip("/") or 0)}
    if parsed.username:
        options["username"] = unquote(parsed.username)
    if parsed.password:
        options["password"] = unquote(parsed.password)
    return options


def redis_layer_config(url: str, sentinels: str, master: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cache and channel-layer settings for one Redis server or a Sentinel-guarded master."""
    cache: dict[str, Any] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "oqim",
    }
    host: str | dict[str, Any] = url
    if sentinels:
        # Django's cache builds its pools from a URL; this pool class finds the master instead.
        cache["OPTIONS"] = {"pool_class": "core.redis_connections.SentinelCachePool"}
        host = {"sentinels": parse_nodes(sentinels), "master_name": master, **url_options(url)}
    layer = {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [host], "prefix": "oqim:channels"}}
    return cache, layer


def check_production(
    *, secret_key: str, debug: bool, allowed_hosts: list[str], encryption_keys: list[str] | None = None
) -> None:
    """Refuse to start production with settings that are only safe on a laptop."""
    problems = []
    if not secret_key:
        problems.append("SECRET_KEY is not set")
    elif len(secret_key) < 50 or len(set(secret_key)) < 5:
        # Django's own deploy check (security.W009) asks for this much.
        problems.append("SECRET_KEY is shorter than 50 characters or not random")
    if debug:
        problems.append("DEBUG is on")
    if not allowed_hosts:
        problems.append("ALLOWED_HOSTS is empty")
    if not encryption_keys:
        problems.append("FIELD_ENCRYPTION_KEYS is not set (PINs would be sealed with a key derived from SECRET_KEY)")
    elif not all(valid_key(key) for key in encryption_keys):
        problems.append("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key")
    if problems:
        raise ConfigurationError("Refusing to start in production: " + "; ".join(problems) + ".")


_singleton_handle: IO[str] | None = None


def claim_embedded_process(data_dir: Path, *, strict: bool) -> bool:
    """Take the embedded-mode process lock; the in-memory broker and layer cannot span processes.

    Returns False when another process holds it. With ``strict`` (production) that is fatal.
    """
    global _singleton_handle
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "embedded.lock", "w")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        if strict:
            raise ConfigurationError(
                "Another Oqim process already runs in embedded mode (no REDIS_URL). The in-process "
                "broker and channel layer cannot be shared: set REDIS_URL to run several processes."
            ) from None
        return False
    handle.write(str(os.getpid()))
    handle.flush()
    _singleton_handle = handle
    return True
