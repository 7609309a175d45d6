import pytest

# The live-server fixtures of the realtime tests, for the orders' end-to-end tests.
from tests.realtime.conftest import server, server_factory  # noqa: F401


@pytest.fixture(autouse=True)
def _empty_order_queues():
    """Messages left by an earlier test (or run, on Redis) name order ids this test may reuse."""
    from workers.broker import broker

    broker.flush_all()
    yield
    broker.flush_all()
