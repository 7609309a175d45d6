"""Private ``redis-server`` processes for tests that need a Redis of their own (cost
measurements, restarts, Sentinel, Cluster): started on free ports, stopped afterwards."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.net import free_port, free_ports

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, workdir: Path, *args: str, port: int | None = None, bind: str = "127.0.0.1") -> None:
        self.port = port or free_port()
        self.bind = bind  # one address or several, space-separated; the first is the one to dial
        self.workdir = workdir
        self.args = args
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.bind.split()[0]}:{self.port}/0"

    def start(self) -> RedisServer:
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [REDIS_SERVER or "redis-server", "--port", str(self.port), "--bind", *self.bind.split()]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir), *self.args]
        log = (self.workdir / f"redis-{self.port}.log").open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(host=self.bind.split()[0], port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"redis-server on {self.port} did not start") from None
                time.sleep(0.05)

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(10)


@contextmanager
def redis_server(workdir: Path, *args: str) -> Iterator[RedisServer]:
    """A running private Redis; skips the test on a machine without ``redis-server``."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(workdir, *args).start()
    try:
        yield server
    finally:
        server.stop()


class SentinelDeployment:
    """A master, one replica and three Sentinels (quorum two), failing over within seconds."""

    MASTER_NAME = "oqim"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        master, replica, *self.sentinel_ports = free_ports(5)
        self.master = RedisServer(workdir / "master", port=master)
        self.replica = RedisServer(workdir / "replica", "--replicaof", "127.0.0.1", str(master), port=replica)
        self.sentinels: list[subprocess.Popen] = []

    @property
    def sentinels_setting(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> SentinelDeployment:
        import redis

        self.master.start()
        self.replica.start()
        for port in self.sentinel_ports:
            conf = self.workdir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\n"
                f"sentinel monitor {self.MASTER_NAME} 127.0.0.1 {self.master.port} 2\n"
                f"sentinel down-after-milliseconds {self.MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {self.MASTER_NAME} 4000\n"
            )
            log = (self.workdir / f"sentinel-{port}.log").open("a")
            command = [REDIS_SERVER or "redis-server", str(conf), "--sentinel"]
            self.sentinels.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # every Sentinel knows the master and its replica
            with contextlib.suppress(redis.ConnectionError):  # a Sentinel still starting
                replica = redis.Redis(port=self.replica.port).info("replication")
                if replica["master_link_status"] == "up" and all(map(self._replicas_known, self.sentinel_ports)):
                    return self
            time.sleep(0.1)
        raise AssertionError("the Sentinel deployment did not come up")

    def _replicas_known(self, port: int) -> bool:
        import redis

        client = redis.Redis(port=port, decode_responses=True, socket_timeout=1)
        return bool(client.sentinel_slaves(self.MASTER_NAME))

    def master_port(self) -> int:
        import redis

        client = redis.Redis(port=self.sentinel_ports[0], decode_responses=True, socket_timeout=1)
        return int(client.sentinel_get_master_addr_by_name(self.MASTER_NAME)[1])

    def stop(self) -> None:
        for process in self.sentinels:
            process.kill()
            process.wait(10)
        self.master.stop()
        self.replica.stop()


class ClusterDeployment:
    """Three masters with a replica each, made with ``redis-cli --cluster create``."""

    def __init__(self, workdir: Path, *, masters: int = 3, replicas: int = 1, host: str = "127.0.0.1") -> None:
        self.host = host  # the address every node binds and announces: all clients must reach it
        self.nodes = []
        count = masters * (1 + replicas)
        ports = free_ports(2 * count)  # a client port and a bus port for each node, all different
        for port, bus in zip(ports[:count], ports[count:], strict=True):
            args = ("--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf")
            # The bus port is the client port + 10000 unless set, past 65535 for a high free port.
            args += ("--cluster-node-timeout", "1000", "--cluster-port", str(bus))
            args += ("--cluster-announce-ip", host, "--protected-mode", "no")  # clients off loopback too
            self.nodes.append(RedisServer(workdir / f"node-{port}", *args, port=port, bind=host))
        self.replicas = replicas

    @property
    def setting(self) -> str:
        return ",".join(f"{self.host}:{node.port}" for node in self.nodes)

    def start(self) -> ClusterDeployment:
        try:
            return self._start()
        except BaseException:
            self.stop()  # no node outlives a cluster that never formed
            raise

    def _start(self) -> ClusterDeployment:
        import redis

        for node in self.nodes:
            node.start()
        addresses = [f"{self.host}:{node.port}" for node in self.nodes]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", str(self.replicas), "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # all slots served, every replica in sync (or it may not fail over)
            clients = [redis.Redis(host=self.host, port=n.port, decode_responses=True) for n in self.nodes]
            if all(c.cluster("info")["cluster_state"] == "ok" for c in clients) and all(
                self._in_sync(c.info("replication")) for c in clients
            ):
                return self
            time.sleep(0.1)
        raise AssertionError("the cluster never reached state ok with its replicas in sync")

    def _in_sync(self, info: dict) -> bool:
        """A replica's link is up; a master sees its replicas online (or WAIT may time out)."""
        if info["role"] != "master":
            return info.get("master_link_status") == "up"
        online = [info[k] for k in info if k.startswith("slave") and k[5:].isdigit()]
        return sum(1 for s in online if s.get("state") == "online") >= self.replicas

    def primary_of(self, key: str) -> RedisServer:
        import redis

        alive = next(n for n in self.nodes if n.process is not None and n.process.poll() is None)
        client = redis.Redis(host=self.host, port=alive.port, decode_responses=True, socket_timeout=2)
        slot = client.cluster("keyslot", key)
        for low, high, primary, *_ in client.cluster("slots"):
            if low <= slot <= high:
                return next(n for n in self.nodes if n.port == primary[1])
        raise AssertionError(f"no node serves slot {slot}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop(kill=True)


@contextmanager
def sentinel_deployment(workdir: Path) -> Iterator[SentinelDeployment]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    deployment = SentinelDeployment(workdir).start()
    try:
        yield deployment
    finally:
        deployment.stop()


@contextmanager
def cluster_deployment(workdir: Path, host: str = "127.0.0.1") -> Iterator[ClusterDeployment]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    deployment = ClusterDeployment(workdir, host=host).start()
    try:
        yield deployment
    finally:
        deployment.stop()
