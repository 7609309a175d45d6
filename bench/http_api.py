"""HTTP benchmark: the same Django project served by Oqim's `manage.py web` (daphne, Django's
WSGI handler in worker threads) and by gunicorn's sync workers, side by side in one run, with
wrk as the load generator.

    .venv/bin/python bench/http_api.py [--connections 16] [--seconds 8] [--rows 10000] [--fresh] [--smoke]

Needs `wrk` (Debian: `apt install wrk`). Embedded (SQLite) unless DATABASE_URL (and REDIS_URL)
are set; the database is made fresh and lived-in first: --rows members, a day of outbox rows and,
with Redis, every topic stream at its MAXLEN and the firehose full.

Endpoints: `/health/` (no database), `GET /api/members/?page_size=50` (JWT, membership reload,
revoked-session check, one page of an index range, 50 rows serialized) and `PATCH /api/tenant/`
(a write: the row, its outbox event in the same transaction, the publish after commit).
Servers, each measured alone: one Oqim web process, gunicorn with one sync worker (the same
code, one process) and with two. Last line: RESULT key=value ...
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.setup()

from bench.harness import cli, http, livedin, people  # noqa: E402
from bench.harness.measure import cpu_seconds  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers, wait_for_http  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.net import free_port  # noqa: E402

ROLES = [Role.ADMIN, Role.COOK, Role.VIEWER, Role.AGENT, Role.CASHIER]
WRITE_SCRIPT = """
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"name": "Bench ' .. counter .. '"}')
end
"""


def prepare(rows: int, *, fresh: bool, smoke: bool) -> str:
    """The bench organization with ``rows`` members (lived-in unless ``fresh``); an admin's token."""
    tenant = people.organization("bench", "Bench")
    for n, role in enumerate(ROLES):
        people.members(tenant, role, len(range(n, rows, len(ROLES))), prefix=f"bench-{role}")
    if not fresh:
        livedin.build(tenant.pk, smoke=smoke, outbox_rows=1_000_000 if environment.postgres() else 100_000)
    return people.token(people.existing(tenant.pk, Role.ADMIN, 1)[0])


def start(servers: Servers, name: str) -> Server:
    if name == "oqim":
        return servers.web(1, name="oqim")[0]
    port = free_port()
    workers = name.removeprefix("gunicorn-")
    argv = ["-m", "gunicorn", "-w", workers, "-b", f"127.0.0.1:{port}", "core.wsgi:application"]
    server = servers.start(name, argv, port=port)
    wait_for_http(server, "/health/")  # the workers answer, not just the master's socket
    return server


def measure(name: str, endpoints: dict, connections: int, seconds: float) -> dict:
    """Every endpoint against one server, alone on the machine's load generator."""
    found: dict[str, dict] = {}
    with Servers() as servers:
        server = start(servers, name)
        http.wrk(server, "/health/", None, 4, 1, None)  # warm up
        for endpoint, (path, auth, lua) in endpoints.items():
            cpu0 = cpu_seconds(server.pid, children=True)
            found[endpoint] = http.wrk(server, path, auth, connections, seconds, lua)
            found[endpoint]["cpu_pct"] = round((cpu_seconds(server.pid, children=True) - cpu0) / seconds * 100)
            print(name, endpoint, found[endpoint], flush=True)
        servers.stop(server, signal.SIGINT if name == "oqim" else signal.SIGTERM)
    return found


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--connections", full=16, smoke=4)
    parser.size("--seconds", full=8.0, smoke=1.0, type=float)
    parser.size("--rows", full=10_000, smoke=500, help="members in the list")
    parser.size("--servers", full="oqim,gunicorn-1,gunicorn-2", smoke="oqim,gunicorn-1", type=str)
    args = parser.parse()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt install wrk)")
    environment.fresh()
    token = prepare(args.rows, fresh=args.fresh, smoke=args.smoke)
    script = environment.run_dir() / "write.lua"
    script.write_text(WRITE_SCRIPT)
    endpoints = {
        "health": ("/health/", None, None),
        "list": ("/api/members/?page_size=50", token, None),
        "write": ("/api/tenant/", token, script),
    }
    results = {name: measure(name, endpoints, args.connections, args.seconds) for name in args.servers.split(",")}
    mode = "postgres" if environment.postgres() else "sqlite"
    print(json.dumps({"mode": mode, "connections": args.connections, "results": results}, indent=2))
    report = Report()
    report.add(mode=mode, connections=args.connections, rows=args.rows, lived_in=not args.fresh)
    for server, found in results.items():
        for name, values in found.items():
            report.add({f"{server}_{name}_{key}": value for key, value in values.items() if key != "cpu_pct"})
            report.check(f"{server} {name}: no errors", values["errors"] == 0, values["errors"])
            report.check(f"{server} {name}: answered", values["rps"] > 0)
    if "oqim" in results and "gunicorn-1" in results:
        for name in endpoints:
            ratio = results["oqim"][name]["rps"] / max(1, results["gunicorn-1"][name]["rps"])
            report.add({f"oqim_vs_gunicorn1_{name}": f"{ratio:.2f}"})
    report.emit(expect=[f"oqim_{name}_rps" for name in endpoints])


if __name__ == "__main__":
    main()
