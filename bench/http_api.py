"""HTTP benchmark: N concurrent keep-alive clients against /health/ and an authenticated,
cursor-paginated list with 10,000 rows (GET /api/members/?page_size=50).

Usage:  .venv/bin/python bench/http_api.py [--clients 32] [--seconds 10]
Embedded (SQLite) by default; set DATABASE_URL (and REDIS_URL) to measure PostgreSQL.
Starts its own `manage.py web` on a free port. Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
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


def prepare_database() -> str:
    """Migrate and (re)create the bench tenant with ROWS memberships; returns an access token."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

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
    admin = Membership.objects.filter(tenant=tenant, role=Role.ADMIN).select_related("user", "tenant").first()
    return str(issue_tokens(membership=admin).access_token)


async def client(port: int, path: str, headers: str, deadline: float, latencies: list[float], errors: list[int]):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: keep-alive\r\n\r\n".encode()
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status_line:
                errors.append(1)
    finally:
        writer.close()


async def load(port: int, path: str, headers: str, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(client(port, path, headers, deadline, latencies, errors) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "errors": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="oqim-bench-")
    os.environ.setdefault("OQIM_DATA_DIR", data_dir)
    os.environ["LOG_LEVEL"] = "WARNING"
    token = prepare_database()
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "manage.py", "web", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        auth = f"Authorization: Bearer {token}\r\n"
        asyncio.run(load(port, "/health/", "", 4, 1.0))  # warm up
        health = asyncio.run(load(port, "/health/", "", args.clients, args.seconds))
        listing = asyncio.run(load(port, "/api/members/?page_size=50", auth, args.clients, args.seconds))
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(30)
    mode = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(json.dumps({"mode": mode, "clients": args.clients, "health": health, "list": listing}, indent=2))
    print(
        f"RESULT mode={mode} clients={args.clients} rows={ROWS} "
        f"health_rps={health['rps']:.0f} health_p50_ms={health['p50_ms']:.1f} health_p99_ms={health['p99_ms']:.1f} "
        f"list_rps={listing['rps']:.0f} list_p50_ms={listing['p50_ms']:.1f} list_p99_ms={listing['p99_ms']:.1f} "
        f"errors={health['errors'] + listing['errors']}"
    )


if __name__ == "__main__":
    main()
