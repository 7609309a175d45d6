"""The end of every bench: its invariants and the ``RESULT key=value ...`` line.

A bench adds its figures and states what must hold (nothing lost, no duplicates, no drift).
``emit`` prints the line, then fails the process (exit status 1, the reasons on stderr) when an
invariant broke, a figure is NaN, or a key the docs quote is missing: a bench whose run went
wrong cannot print a plausible line and pass, in a full run or in ``make test``'s smoke runs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from typing import Any


def _nan(value: Any) -> bool:
    return (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and value.lower() == "nan")


class Report:
    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}
        self.broken: list[str] = []

    def add(self, figures: dict[str, Any] | None = None, /, **more: Any) -> None:
        self.figures.update(figures or {}, **more)

    def check(self, invariant: str, holds: bool, detail: Any = "") -> None:
        """An invariant of the run (``invariant`` says what must hold)."""
        if not holds:
            self.broken.append(f"{invariant}{f' ({detail})' if detail != '' else ''}")

    def phase(self, name: str, figures: dict[str, Any]) -> dict[str, Any]:
        """A phase's figures, shown as it ends, added to the report."""
        print(f"{name}:", figures, flush=True)
        self.add(figures)
        return figures

    def emit(self, *, expect: Iterable[str] = ()) -> None:
        """Print the RESULT line; exit 1 if an invariant broke, a figure is NaN or an expected
        key is missing (or None)."""
        print("RESULT " + " ".join(f"{k}={v}" for k, v in self.figures.items()), flush=True)
        problems = list(self.broken)
        problems += [f"{k} is NaN" for k, v in self.figures.items() if _nan(v)]
        problems += [f"{k} is missing" for k in expect if self.figures.get(k) is None]
        if problems:
            print("BENCH FAILED:\n  " + "\n  ".join(problems), file=sys.stderr, flush=True)
            sys.exit(1)
