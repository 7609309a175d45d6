"""Two hosts on this machine (network namespaces on a bridge) and the Redis deployments to compare:
one Redis server, and a Redis Cluster of three masters for the event streams.

Used by ``bench/realtime.py --hosts``; needs root (``ip netns``) and ``redis-server``. PostgreSQL
listens on loopback only, so the hosts reach it through a forwarder on the bridge's address
(socat when it is installed: its own process, off the benchmark's core).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from tests.net import free_port
from tests.redis_server import ClusterDeployment, RedisServer
from tests.scale.netns import Forwarder, Hosts, netns_available


@contextlib.contextmanager
def postgres_on(address: str, database_url: str) -> Iterator[str]:
    """``database_url`` as the hosts must dial it: through a forwarder on ``address``."""
    parsed = urlparse(database_url)
    port = free_port()
    target = (parsed.hostname or "127.0.0.1", parsed.port or 5432)
    if shutil.which("socat"):
        forwarder = subprocess.Popen(
            ["socat", f"TCP-LISTEN:{port},bind={address},fork,reuseaddr", f"TCP:{target[0]}:{target[1]}"]
        )
        stop = forwarder.terminate
    else:
        stop = Forwarder((address, port), target).start().stop
    try:
        yield parsed._replace(netloc=f"{parsed.username or 'postgres'}@{address}:{port}").geturl()
    finally:
        stop()


@contextlib.contextmanager
def two_hosts() -> Iterator[Hosts]:
    why = netns_available()
    if why:
        raise SystemExit(f"--hosts: {why}")
    made = Hosts(2)
    try:
        yield made.create()
    finally:
        made.remove()


@contextlib.contextmanager
def single_redis(address: str, workdir: Path) -> Iterator[dict[str, str]]:
    server = RedisServer(workdir / "single", "--protected-mode", "no", bind=address).start()
    try:
        yield {"REDIS_URL": server.url}
    finally:
        server.stop()


@contextlib.contextmanager
def redis_cluster(address: str, workdir: Path, redis_url: str) -> Iterator[dict[str, str]]:
    """Three masters for the streams (no replicas: the same durability as the single server);
    the cache, locks and broker stay on ``redis_url``."""
    cluster = ClusterDeployment(workdir / "cluster", replicas=0, host=address).start()
    try:
        yield {"REDIS_URL": redis_url, "REALTIME_REDIS_CLUSTER": cluster.setting, "REALTIME_SHARDS": "16"}
    finally:
        cluster.stop()
