"""The peers of bench/peers/ as servers under test, side by side with Oqim's web processes:
``relay`` (a bare websockets relay, one process), ``echo`` (bare daphne, two) and ``naive`` (a
tutorial-style Channels app, two daphne processes, its own database ``<bench database>_peer``,
its channel layer on the bench's Redis database)."""

from __future__ import annotations

import os

import psycopg

from bench.harness import databases
from bench.harness.servers import Server, Servers, wait_for_port
from tests.net import free_ports


def peer_database() -> str:
    url = os.environ["DATABASE_URL"]
    return databases.with_database(url, f"{databases.database_name(url)}_peer")


def start(servers: Servers, target: str) -> list[Server]:
    if target == "relay":  # one process, nothing stored
        port = free_ports(1)[0]
        relay = servers.start("relay", ["bench/peers/relay.py", "--port", str(port)], port=port)
        wait_for_port(relay)
        return [relay]
    env: dict[str, str] = {}
    app = "bench.peers.echo:app"  # bare daphne: the server's own floor, nothing stored or fanned out
    if target == "naive":
        databases.recreate_empty(peer_database())
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.peers.naive.settings",
            "PEER_DATABASE_URL": peer_database(),
            "PEER_REDIS_URL": os.environ["REDIS_URL"],
        }
        migrate = servers.start("naive-migrate", ["-m", "django", "migrate", "--run-syncdb", "-v", "0"], env=env)
        if migrate.process.wait(120):
            raise SystemExit(f"the naive peer's migrate failed:\n{migrate.log_tail()}")
        servers.stop(migrate)
        app = "bench.peers.naive.asgi:application"
    started = [
        servers.start(f"{target}-{n}", ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app], env=env, port=port)
        for n, port in enumerate(free_ports(2))
    ]
    for server in started:
        wait_for_port(server)
    return started


def persisted(target: str) -> int | None:
    """Points the peer stored (the relay and echo store nothing)."""
    if target != "naive":
        return None
    with psycopg.connect(peer_database()) as conn:
        return conn.execute("SELECT count(*) FROM naive_point").fetchone()[0]
