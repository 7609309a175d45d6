"""Log formatting with the request id attached: JSON lines in production, text locally.

Log with a message and structured fields (``logger.info("...", extra={...})``); never log
secrets. The request id travels in a context variable so worker threads spawned by asgiref
inherit it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import socket
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else came in through ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            **_extras(record),
        }
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = (
            f"{datetime.fromtimestamp(record.created).strftime('%H:%M:%S')} {record.levelname:<7} "
            f"{record.name}: {record.getMessage()}"
        )
        rid = getattr(record, "request_id", "-")
        if rid != "-":
            line += f" request_id={rid}"
        if fields:
            line += " " + fields
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _transient_errors() -> tuple[type[BaseException], ...]:
    import dramatiq.errors
    import redis.exceptions
    from django.db import InterfaceError, OperationalError

    return (
        ConnectionError,  # refused, reset, aborted, a broken pipe
        TimeoutError,
        socket.gaierror,  # a name that does not resolve right now
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        redis.exceptions.BusyLoadingError,
        redis.exceptions.ReadOnlyError,  # a replica promoted mid-failover
        redis.exceptions.ClusterDownError,
        redis.exceptions.TryAgainError,
        OperationalError,  # the database away, a lock timeout
        InterfaceError,
        dramatiq.errors.BrokerConnectionError,  # the broker away
    )


def transient(error: BaseException) -> bool:
    """Whether ``error`` is something outside failing for now (the network, Redis, the database,
    the broker), which the retry this code has in store may cure."""
    return isinstance(error, _transient_errors())


def retried(logger: logging.Logger, message: str, error: BaseException, **fields: object) -> None:
    """Log a failure that will be retried: an expected one (``transient``) as one WARNING line with
    its reason and no traceback; anything else, a bug most likely, as an ERROR with it (and so
    for Sentry)."""
    if transient(error):
        logger.warning(message, extra={**fields, "error": f"{type(error).__name__}: {error}"[:300]})
    else:
        logger.error(message, exc_info=error, extra=fields)
