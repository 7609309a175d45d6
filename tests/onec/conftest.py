"""A simulated 1C and a connection to it (tests/onec/sim.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domains.onec.models import Connection
from tests.onec.sim import Onec, connect, simulated_1c


@pytest.fixture
def onec() -> Iterator[Onec]:
    with simulated_1c() as running:
        yield running


@pytest.fixture
def connection(tenant, onec) -> Connection:  # type: ignore[no-untyped-def]
    return connect(tenant, onec)
