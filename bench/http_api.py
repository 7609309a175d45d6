"""HTTP benchmark: the same Django project served by Oqim's `manage.py web` (daphne, Django's
WSGI handler in worker threads) and by gunicorn's sync workers, side by side in one run, with
wrk as the load generator.

    .venv/bin/python bench/http_api.py [--connections 16] [--seconds 8] [--fresh]

Needs `wrk` (Debian: `apt install wrk`). Embedded (SQLite) unless DATABASE_URL (and REDIS_URL)
are set; for PostgreSQL the database is wiped and rebuilt lived-in first (bench/livedin.py):
10,000 members, every topic stream at its MAXLEN, the firehose full, a day of outbox rows.

Endpoints: `/health/` (no database), `GET /api/members/?page_size=50` (JWT, membership reload,
revoked-session check, one page of an index range, 50 rows serialized) and `PATCH /api/tenant/`
(a write: the row, its outbox event in the same transaction, the publish after commit).
Servers, each measured alone: one Oqim web process, gunicorn with one sync worker (the same
code, one process) and with two. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROWS = 10_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(*, fresh: bool) -> str:
    """Migrate and (re)create the bench tenant with ROWS memberships; returns an access token."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server, name = url.rsplit("/", 1)
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from bench import livedin
    from core.auth import issue_tokens
    from core.models import Membership, Organization, User
    from core.roles import Role

    call_command("migrate", verbosity=0)
    Organization.objects.filter(slug="bench").delete()
    User.objects.filter(username__startswith="bench-").delete()
    tenant = Organization.objects.create(slug="bench", name="Bench")
    hashed = make_password("bench-password-123")
    users = User.objects.bulk_create(
        [User(username=f"bench-{i:05d}", password=hashed) for i in range(ROWS)], batch_size=2000
    )
    if users[0].pk is None:  # backends without RETURNING
        users = list(User.objects.filter(username__startswith="bench-").order_by("username"))
    roles = [Role.ADMIN, Role.COOK, Role.VIEWER, Role.AGENT, Role.CASHIER]
    Membership.objects.bulk_create(
        [Membership(tenant=tenant, user=u, role=roles[i % len(roles)]) for i, u in enumerate(users)], batch_size=2000
    )
    if not fresh and os.environ.get("REDIS_URL"):
        print("lived-in:", livedin.redis_history(tenant.pk), flush=True)
    if not fresh:
        livedin.outbox_history(tenant.pk, rows=1_000_000 if url.startswith("postgres") else 100_000)
        livedin.analyze()
    admin = Membership.objects.filter(tenant=tenant, role=Role.ADMIN).select_related("user", "tenant").first()
    return str(issue_tokens(membership=admin).access_token)


def wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited ({process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def start(server: str, data_dir: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "OQIM_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"}
    if server == "oqim":
        argv = [sys.executable, "manage.py", "web", "--port", str(port), "--host", "127.0.0.1"]
    else:
        workers = server.removeprefix("gunicorn-")
        argv = [sys.executable, "-m", "gunicorn", "-w", workers, "-b", f"127.0.0.1:{port}", "core.wsgi:application"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port, process)
    return process, port


WRITE_SCRIPT = """
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"name": "Bench ' .. counter .. '"}')
end
"""


def wrk(port: int, path: str, token: str | None, connections: int, seconds: float, script: Path | None) -> dict:
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run([*argv, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def latency(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(found.group(1)), found.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    return {
        "rps": round(rps),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
    }


def cpu_seconds(pid: int) -> float:
    total = 0.0
    pids = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split())]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--servers", default="oqim,gunicorn-1,gunicorn-2")
    parser.add_argument("--fresh", action="store_true", help="measure on empty streams and tables")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt install wrk)")

    data_dir = tempfile.mkdtemp(prefix="oqim-bench-")
    os.environ.setdefault("OQIM_DATA_DIR", data_dir)
    os.environ["JWT_ACCESS_TTL_SECONDS"] = "7200"
    token = prepare_database(fresh=args.fresh)
    script = Path(data_dir) / "write.lua"
    script.write_text(WRITE_SCRIPT)
    endpoints = {
        "health": ("/health/", None, None),
        "list": ("/api/members/?page_size=50", token, None),
        "write": ("/api/tenant/", token, script),
    }
    results: dict[str, dict[str, dict]] = {}
    for server in args.servers.split(","):
        process, port = start(server, data_dir)
        try:
            wrk(port, "/health/", None, 4, 1, None)  # warm up
            results[server] = {}
            for name, (path, auth, lua) in endpoints.items():
                cpu0 = cpu_seconds(process.pid)
                found = wrk(port, path, auth, args.connections, args.seconds, lua)
                found["cpu_pct"] = round((cpu_seconds(process.pid) - cpu0) / args.seconds * 100)
                results[server][name] = found
                print(server, name, found, flush=True)
        finally:
            process.send_signal(signal.SIGINT if server == "oqim" else signal.SIGTERM)
            process.wait(30)
    mode = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(json.dumps({"mode": mode, "connections": args.connections, "results": results}, indent=2))
    figures = [f"mode={mode}", f"connections={args.connections}", f"rows={ROWS}", f"lived_in={not args.fresh}"]
    for server, found in results.items():
        for name, values in found.items():
            figures += [f"{server}_{name}_{key}={value}" for key, value in values.items() if key != "cpu_pct"]
    if "oqim" in results and "gunicorn-1" in results:
        for name in endpoints:
            ratio = results["oqim"][name]["rps"] / max(1, results["gunicorn-1"][name]["rps"])
            figures.append(f"oqim_vs_gunicorn1_{name}={ratio:.2f}")
    print("RESULT " + " ".join(figures))


if __name__ == "__main__":
    main()
