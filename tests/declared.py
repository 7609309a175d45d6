"""What the shipped apps declare, without the apps that exist only for the test suite (their
declarations live under ``tests.``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def shipped(registry: Mapping[str, T]) -> dict[str, T]:
    return {name: entry for name, entry in registry.items() if not getattr(entry, "module", "").startswith("tests.")}


def shipped_names(registry: Mapping[str, Any]) -> list[str]:
    return list(shipped(registry))
