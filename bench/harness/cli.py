"""A bench's command line: ``--smoke``, ``--fresh`` and sizes that have a full and a smoke value.

A size the user leaves out takes its full value, or its smoke value with ``--smoke``; one given
explicitly is kept either way, so ``--smoke --seconds 5`` is a smoke run of five seconds.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


class Parser(argparse.ArgumentParser):
    def __init__(self, doc: str) -> None:
        super().__init__(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        self.sizes: dict[str, tuple[Any, Any]] = {}
        self.add_argument(
            "--smoke",
            action="store_true",
            help="the smallest sizes, in seconds: does it still run, and do its invariants hold",
        )
        self.add_argument(
            "--fresh", action="store_true", help="measure on empty streams and tables (no lived-in history first)"
        )

    def size(self, flag: str, *, full: Any, smoke: Any, type: type = int, help: str = "") -> None:
        """An option whose default is ``full``, or ``smoke`` with --smoke."""
        action = self.add_argument(flag, type=type, default=None, help=f"{help} (default {full}; --smoke: {smoke})")
        self.sizes[action.dest] = (full, smoke)

    def parse(self, argv: Sequence[str] | None = None) -> argparse.Namespace:
        args = self.parse_args(argv)
        for dest, (full, smoke) in self.sizes.items():
            if getattr(args, dest) is None:
                setattr(args, dest, smoke if args.smoke else full)
        return args


def phases(text: str) -> set[str]:
    """``--skip a,b`` as a set."""
    return {name.strip() for name in text.split(",") if name.strip()}
