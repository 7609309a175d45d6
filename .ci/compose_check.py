"""Start every app service of compose.yaml the way compose would, without Docker, and check it.

- migrate: exits 0.
- web: answers /ready/ with 200 on $PORT; its own compose healthcheck passes; stops on SIGTERM.
- worker, scheduler: print their ready line; stop on SIGTERM within their stop_grace_period.
DATABASE_URL and REDIS_URL come from this environment (compose's hostnames do not resolve here).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VAR = re.compile(r"\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        current = env.get(name, "")
        if op == "-":
            return current or arg
        if op == "?" and not current:
            sys.exit(f"compose needs {name}: {arg}")
        return current

    return VAR.sub(sub, value)


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", duration)
    value, unit = int(match.group(1)), match.group(2)
    return value / 1000 if unit == "ms" else value * (60 if unit == "m" else 1)


def service_env(service: dict, host_env: dict[str, str]) -> dict[str, str]:
    env = {k: interpolate(str(v), host_env) for k, v in (service.get("environment") or {}).items()}
    env["DATABASE_URL"] = host_env["DATABASE_URL"]
    env["REDIS_URL"] = host_env["REDIS_URL"]
    return {**os.environ, **env, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}


def start(name: str, service: dict, host_env: dict[str, str]) -> subprocess.Popen:
    command = [interpolate(part, host_env) for part in service["command"]]
    print(f"[{name}] {' '.join(command)}", flush=True)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=service_env(service, host_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_line(name: str, process: subprocess.Popen, needle: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            print(f"[{name}] {line.rstrip()}", flush=True)
        if needle in line:
            return
        if not line and process.poll() is not None:
            break
    sys.exit(f"[{name}] never printed {needle!r}")


def stop(name: str, process: subprocess.Popen, grace: float) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        sys.exit(f"[{name}] still running {grace}s after SIGTERM")
    rest = process.stdout.read()
    if rest:
        print("\n".join(f"[{name}] {line}" for line in rest.splitlines()[-5:]), flush=True)
    if code != 0:
        sys.exit(f"[{name}] exited {code} after SIGTERM")
    print(f"[{name}] stopped cleanly on SIGTERM", flush=True)


def main() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    port = os.environ.get("CI_WEB_PORT", "18765")
    host_env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": port,
    }

    worker_timeout_ms = int(services["worker"]["environment"]["WORKER_SHUTDOWN_TIMEOUT_MS"])
    if seconds(services["worker"]["stop_grace_period"]) <= worker_timeout_ms / 1000:
        sys.exit("worker stop_grace_period must exceed WORKER_SHUTDOWN_TIMEOUT_MS")
    for name in ("web", "worker", "scheduler", "migrate"):
        joined = " ".join(services[name]["command"])
        if not (services[name]["command"][:2] == ["sh", "-c"] and joined.split("-c ", 1)[1].startswith("exec ")):
            sys.exit(f"{name}: commands must run as sh -c 'exec ...' so $PORT expands and signals arrive")

    migrate = start("migrate", services["migrate"], host_env)
    out, _ = migrate.communicate(timeout=300)
    print(out, flush=True)
    if migrate.returncode != 0:
        sys.exit("[migrate] failed")

    web = start("web", services["web"], host_env)
    try:
        wait_line("web", web, f":{port}/")
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready/", timeout=5) as response:
                    if response.status == 200:
                        print(f"[web] /ready/ -> 200 {response.read().decode()}", flush=True)
                        break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("[web] /ready/ never answered 200")
        check = services["web"]["healthcheck"]["test"]
        health = subprocess.run(
            [*check[1:]] if check[0] == "CMD" else ["sh", "-c", check[1]],
            env=service_env(services["web"], host_env),
            cwd=ROOT,
            timeout=30,
        )
        if health.returncode != 0:
            sys.exit("[web] compose healthcheck failed")
        print("[web] compose healthcheck passed", flush=True)

        others = {name: start(name, services[name], host_env) for name in ("worker", "scheduler")}
        for name, process in others.items():
            wait_line(name, process, "ready")
        for name, process in others.items():
            stop(name, process, seconds(services[name]["stop_grace_period"]))
    finally:
        if web.poll() is None:
            stop("web", web, seconds(services["web"]["stop_grace_period"]))
    print("compose services: all checks passed")


if __name__ == "__main__":
    main()
