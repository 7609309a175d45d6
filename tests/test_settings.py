"""Production refuses unsafe settings; `check --deploy` is clean with safe ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAFE = {
    "OQIM_ENV": "production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-0123456789",
    "ALLOWED_HOSTS": "oqim.example.com",
    "DEBUG": "false",
    "FIELD_ENCRYPTION_KEYS": "vW8q0m3oTqgk0o0Yt3pYq1l6bVf8b1d6xQ9y2eJx3kA=",
}


def run_manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "OQIM_ENV", "FIELD_ENCRYPTION_KEYS")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "OQIM_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", env={**SAFE, "SECRET_KEY": ""}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_field_encryption_keys(tmp_path):
    missing = run_manage("check", env={**SAFE, "FIELD_ENCRYPTION_KEYS": ""}, tmp_path=tmp_path)
    assert missing.returncode != 0 and "FIELD_ENCRYPTION_KEYS is not set" in missing.stderr
    bad = run_manage("check", env={**SAFE, "FIELD_ENCRYPTION_KEYS": "not-a-key"}, tmp_path=tmp_path)
    assert bad.returncode != 0 and "not a Fernet key" in bad.stderr


def test_scale_out_settings_that_cannot_work_are_refused_at_start(tmp_path):
    cases = {
        "BROKER_URL must be an amqp://": {"BROKER_URL": "redis://127.0.0.1:6379/0", "REDIS_URL": "redis://x/0"},
        "need REDIS_URL or REDIS_SENTINELS": {"BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/", "REDIS_URL": ""},
        "REDIS_SENTINELS must be a comma-separated host:port list": {"REDIS_SENTINELS": "10.0.0.1"},
        "REALTIME_REDIS_CLUSTER must be": {"REALTIME_REDIS_CLUSTER": "a:b", "REDIS_URL": "redis://x/0"},
    }
    for message, env in cases.items():
        result = run_manage("check", env={"BROKER_URL": "", "REDIS_SENTINELS": "", **env}, tmp_path=tmp_path)
        assert result.returncode != 0 and message in result.stderr, (message, result.stderr[-500:])


def test_production_refuses_debug(tmp_path):
    result = run_manage("check", env={**SAFE, "DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "DEBUG is on" in result.stderr


def test_production_check_deploy_is_clean(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=SAFE, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_build_collects_the_static_files_as_the_dockerfile_runs_it(tmp_path):
    """The Dockerfile's collectstatic step, with its own build-time settings: the manifest storage
    resolves every file a stylesheet or script names (a vendored script's source map included)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    step = re.search(r"RUN ((?:\w+=\S+ )+)\\\n\s*python manage.py collectstatic", dockerfile)
    assert step, "the Dockerfile collects static files at build time"
    build = dict(pair.split("=", 1) for pair in step.group(1).split())
    result = run_manage("collectstatic", "--noinput", env={"OQIM_ENV": "production", **build}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "post-processed" in result.stdout


def test_production_refuses_a_second_embedded_web_process(tmp_path):
    from core.config import ConfigurationError, claim_embedded_process

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from core.config import claim_embedded_process as c; from pathlib import Path; "
            f"c(Path({str(tmp_path)!r}), strict=True); print('held', flush=True); import time; time.sleep(30)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        try:
            claim_embedded_process(tmp_path, strict=True)
            raise AssertionError("a second embedded process was allowed")
        except ConfigurationError as exc:
            assert "REDIS_URL" in str(exc)
        assert claim_embedded_process(tmp_path, strict=False) is False
    finally:
        holder.kill()
        holder.wait()


def test_a_sqlite_database_url_gets_the_embedded_sqlite_options(tmp_path, monkeypatch):
    # Without them a writer that read first fails at once with "database is locked" when
    # another writer holds the lock, instead of waiting its turn.
    import environ

    from core.config import SQLITE_OPTIONS, database_config

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'named.sqlite3'}")
    config = database_config(environ.Env(), tmp_path)
    assert config["NAME"] == str(tmp_path / "named.sqlite3")
    assert config["OPTIONS"] == SQLITE_OPTIONS
    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE" and SQLITE_OPTIONS["timeout"] >= 5


def test_the_outbound_allow_list_takes_its_former_name_too(tmp_path):
    show = "from django.conf import settings; print(settings.OUTBOUND_ALLOWED_NETWORKS)"

    def networks(**env: str) -> str:
        result = run_manage("shell", "-v0", "-c", show, env={**SAFE, **env}, tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert networks() == "[]"  # production: nothing internal
    assert networks(WEBHOOKS_ALLOWED_NETWORKS="10.0.0.0/8") == "['10.0.0.0/8']"
    assert networks(OUTBOUND_ALLOWED_NETWORKS="192.168.1.0/24", WEBHOOKS_ALLOWED_NETWORKS="10.0.0.0/8") == (
        "['192.168.1.0/24']"
    )
