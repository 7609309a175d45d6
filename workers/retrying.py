"""Expected failures that a job's retries are for (1C not reachable yet, no connection enabled):
one WARNING line with the reason, no traceback, nothing for Sentry. Dramatiq's ``Retry`` is
retried on the actor's backoff like any error but neither its worker nor Sentry's Dramatiq
integration reports it as one; what is left unexpected still is."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import dramatiq

logger = logging.getLogger("oqim.jobs")
F = TypeVar("F", bound=Callable[..., Any])


def retry_quietly_on(*expected: type[Exception]) -> Callable[[F], F]:
    """Decorate an actor's function (under ``@dramatiq.actor``): ``expected`` become retries."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except expected as failure:
                job = f"{function.__module__}.{function.__qualname__}"
                logger.warning("job will be retried", extra={"job": job, "reason": str(failure)[:500]})
                raise dramatiq.Retry(str(failure)[:500]) from None

        return run  # type: ignore[return-value]

    return decorate
