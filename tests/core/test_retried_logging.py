"""A failure that will be retried is logged by what it is: the network, Redis, the database or the
broker away is one WARNING line with its reason; anything else keeps its traceback, as an ERROR."""

from __future__ import annotations

import logging

import dramatiq.errors
import pytest
import redis.exceptions
from django.db import OperationalError

from core.logging import retried

log = logging.getLogger("tests.retried")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        OperationalError("server closed the connection unexpectedly"),
        dramatiq.errors.ConnectionClosed(OSError("gone")),
    ],
)
def test_an_outage_is_one_warning_with_its_reason(error, caplog):
    retried(log, "job send failed; the relay will retry", error, actor="x.y")
    (record,) = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.error.startswith(type(error).__name__) and record.actor == "x.y"


def test_a_bug_keeps_its_traceback(caplog):
    try:
        {}["missing"]
    except KeyError as bug:
        retried(log, "fan-out deferred to the periodic job", bug)
    (record,) = caplog.records
    assert record.levelname == "ERROR" and record.exc_info and record.exc_info[0] is KeyError
