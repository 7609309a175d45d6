"""The database's own limit for one write: the SQL a request sends, captured and replayed by
pgbench from several clients at once. A benchmark reports its HTTP figure as a ratio to this.

``capture(call)`` runs ``call()`` once and returns the statements it sent, inside its
transaction and after commit (publishing, recomputes), as literal SQL; ``capture_http`` does it
for one POST through Django's whole stack (authentication, the view, its answer), the same
statements a web process sends for it. ``replay(...)`` turns
them into a pgbench script, where each run gets fresh values for what must be unique (event ids,
idempotency keys), and returns pgbench's transactions per second.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def capture(call: Callable[[], Any]) -> tuple[list[str], list[str]]:
    """(statements of the transaction, statements after its commit) of one ``call()``."""
    # The outer atomic holds back the on-commit work until its exit, to tell the two apart.
    with CaptureQueriesContext(connection) as everything, transaction.atomic():
        call()
        inside = len(everything.captured_queries)
    statements = [q["sql"] for q in everything.captured_queries]
    return _replayable(statements[:inside]), _replayable(statements[inside:])


def capture_http(path: str, token: str, body: dict, *, key: str) -> tuple[list[str], list[str]]:
    """``capture`` of one POST of ``body`` to ``path`` as the holder of ``token``, after one
    request of theirs has gone before (a person's first request reads their membership; every
    later one finds it remembered)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")

    def post(idempotency_key: str) -> None:
        answer = client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=idempotency_key)
        if answer.status_code != 201:
            raise SystemExit(f"capturing POST {path}: {answer.status_code} {answer.content[:500]!r}")

    post(f"{key}-first")
    return capture(lambda: post(key))


def _replayable(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


def replay(
    url: str,
    inside: list[str],
    after: list[str],
    *,
    clients: int,
    seconds: float,
    unique: tuple[str, ...] = (),
) -> float:
    """pgbench's transactions per second for the captured write. ``unique`` names literal text
    in the statements (an idempotency key) that must differ in every run: it gets a random
    suffix there (a constant per run, so the statement still probes its index)."""

    def fresh(sql: str) -> str:
        for n, literal in enumerate(unique):
            sql = sql.replace(f"'{literal}'", f"'{literal}-:k{n}'")
        return sql

    # Every UUID (event ids, in SQL or inside JSON documents) becomes a fresh one per run:
    # pgbench substitutes its variables anywhere in the text.
    uuids: dict[str, str] = {}

    def fresh_ids(sql: str) -> str:
        return UUID.sub(lambda m: uuids.setdefault(m.group(0), f"00000000-0000-4000-8000-:u{len(uuids)}"), sql)

    body = [fresh_ids(fresh(s)) + ";" for s in inside], [fresh_ids(fresh(s)) + ";" for s in after]
    draws = [f"\\set u{n} random(100000000000, 999999999999)" for n in range(len(uuids))]
    draws += [f"\\set k{n} random(1, 999999999999)" for n in range(len(unique))]
    lines = [*draws, "BEGIN;", *body[0], "COMMIT;", *body[1]]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "write.sql"
        script.write_text("\n".join(lines) + "\n")
        found = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-f", str(script), url],
            capture_output=True,
            text=True,
        )
    match = re.search(r"tps = ([\d.]+)", found.stdout)
    if not match:
        raise SystemExit(f"pgbench failed:\n{found.stdout[-2000:]}\n{found.stderr[-2000:]}")
    return float(match.group(1))
