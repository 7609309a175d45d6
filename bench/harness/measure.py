"""Percentiles, rates, and what a process costs (CPU from /proc, resident and peak memory)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """The ``p`` quantile (0..1) of ``values``, nearest rank; NaN when there are none (the
    report refuses NaN, so a phase that measured nothing cannot pass unnoticed)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def ms(seconds: list[float], p: float) -> float:
    """The ``p`` quantile of durations in seconds, in milliseconds, to 0.1 ms."""
    return round(percentile(seconds, p) * 1000, 1)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User and system CPU seconds of a process so far (and of its direct children: gunicorn's
    workers); 0 for one that has gone."""
    pids = [pid]
    if children:
        found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in found.split()]
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def rss_kb(pid: int) -> int:
    return _status(pid, "VmRSS")


def peak_rss_mb(pid: int) -> float:
    return round(_status(pid, "VmHWM") / 1024, 1)


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each given process, and of every PostgreSQL and Redis process, by
    group and pid (for ``cpu_spent``)."""
    found: dict[str, dict[int, float]] = {name: {} for name in [*groups, "postgres", "redis"]}
    owner = {pid: name for name, pids in groups.items() for pid in pids}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        name = owner.get(int(entry.name)) or {"postgres": "postgres", "redis-server": "redis"}.get(comm)
        if name:
            found[name][int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def cpu_spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group spent between two ``cpu_by_group`` readings: processes that
    started since count from zero, those that ended since are left out (never negative)."""
    return {
        name: sum(seconds - before.get(name, {}).get(pid, 0.0) for pid, seconds in pids.items())
        for name, pids in after.items()
    }
