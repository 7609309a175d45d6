"""Calls to an organization's 1C web service through zeep, with the failover URL.

zeep is the maintained Python SOAP client (docs/decisions.md): it reads the published WSDL and
validates every answer against it, so a malformed envelope is an error, never half-read data.

The primary is tried first. A connection error, a timeout or an HTTP 5xx that is not a SOAP
fault switches to the failover URL, counted and logged, and the primary is skipped for
``ONEC_PRIMARY_COOLDOWN_SECONDS``. A SOAP fault is 1C's own answer ("no such message"): the
other server would say the same, so it is raised as is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import zeep
import zeep.exceptions
from lxml.etree import XMLSyntaxError
from zeep.transports import Transport

from core import egress
from core.failover import AllFailed, Failover
from domains.onec import problems
from domains.onec.contract import BINDING

logger = logging.getLogger(__name__)


class Unreachable(Exception):
    """Neither URL answered (connection errors, timeouts, 5xx); ``attempts`` says each one's."""

    def __init__(self, attempts: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{url}: {problem}" for url, problem in attempts))
        self.attempts = attempts


class BadAnswer(Exception):
    """1C answered, but not what the contract says: a SOAP fault or a malformed envelope."""


@dataclass
class OnecClient:
    """One exchange's connection; ``skip_primary`` is decided by the caller (the cool-down)."""

    primary: str
    failover: str = ""
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    skip_primary: bool = False
    _services: dict[str, Any] = field(default_factory=dict)  # by WSDL URL, as the admin entered it
    _failover: Failover | None = None

    @property
    def session(self) -> Failover:
        """The primary/failover choice across this client's calls (core.failover)."""
        if self._failover is None:
            self._failover = Failover(self.primary, self.failover, cooling=self.skip_primary)
        return self._failover

    @property
    def used(self) -> str:  # the URL that answered the last call
        return self.session.used

    @property
    def switches(self) -> int:  # calls that fell over to the failover
        return self.session.switches

    def _service(self, url: str) -> Any:
        if url not in self._services:
            session = egress.Session(
                timeout=self.timeout, username=self.username, password=self.password, user_agent="Oqim-1C/1"
            )
            transport = _WebOnly(session=session, timeout=self.timeout, operation_timeout=self.timeout)
            # Bound to the URL entered, not the address the WSDL names (1C often publishes its
            # internal host name there).
            try:
                self._services[url] = zeep.Client(url, transport=transport).create_service(
                    BINDING, url.split("?", 1)[0]
                )
            except requests.RequestException:  # InvalidURL and the like are ValueErrors too
                raise
            except ValueError as exc:  # a WSDL (or a web page) without Oqim's binding
                raise NotOurService(str(exc)[:200]) from None
        return self._services[url]

    def urls(self) -> list[str]:
        return self.session.order()

    def call(self, operation: str, **arguments: Any) -> Any:
        def attempt(url: str) -> Any:
            try:
                return getattr(self._service(url), operation)(**arguments)
            except CALL_ERRORS as error:
                retry, problem = classify(error)
                if not retry:
                    raise BadAnswer(f"{url}: {problem} ({operation})") from error
                self._services.pop(url, None)  # a server that failed is read afresh next time
                raise _ServerFailed(problem) from error

        def switched(failed: str, url: str, error: Exception) -> None:
            logger.warning("1C failover", extra={"operation": operation, "failed": failed, "used": url})

        try:
            return self.session.call(attempt, passes_over=(_ServerFailed,), on_switch=switched)
        except AllFailed as failed:
            raise Unreachable([(url, str(error)) for url, error in failed.errors]) from None

    def each_url(self, check: Callable[[Any], Any]) -> dict[str, str]:
        """``check(service)`` against every URL on its own (the admin's "test connection")."""
        found = {}
        for url in filter(None, [self.primary, self.failover]):
            try:
                found[url] = problems.ANSWERED.format(detail=check(self._service(url)))
            except CALL_ERRORS as error:
                found[url] = classify(error)[1]
        return found


CALL_ERRORS = (zeep.exceptions.Error, requests.RequestException, XMLSyntaxError, egress.Refused)


class _WebOnly(Transport):
    """zeep's transport, reading the WSDL and its schemas over HTTP(S) only: zeep would also read
    a file:// or a bare path a WSDL imports, from this server's disk."""

    def __init__(self, *, session: egress.Session, **options: Any) -> None:
        agent = session.headers["User-Agent"]
        super().__init__(session=session, **options)
        session.adapters.pop("file://", None)  # zeep mounts a file adapter on the session it gets
        session.headers["User-Agent"] = agent

    def load(self, url: str) -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise egress.Refused("invalid_scheme", f"not read: {url[:100]}")
        return super().load(url)


class NotOurService(zeep.exceptions.Error):
    """The URL answers, but not with the exchange service of docs/catalog.md."""


class _ServerFailed(Exception):
    """The server did not answer (the other may): its problem in a few words."""


def classify(error: Exception) -> tuple[bool, str]:
    """(whether the other URL may answer instead, what went wrong in a few words).

    Connection errors, timeouts and 5xx are the server's: the other may answer. A SOAP fault is
    1C's own answer and an unreadable envelope a broken service: the other would say the same.
    """
    if isinstance(error, egress.Refused):  # the other URL may be one the guard allows
        known = {"unresolvable_host": problems.UNRESOLVED, "private_address": problems.NOT_ALLOWED}
        return True, known.get(error.code) or problems.NOT_CALLED.format(code=error.code)
    if isinstance(error, egress.TooLarge):
        return False, problems.TOO_LARGE
    if isinstance(error, NotOurService):
        return False, problems.NOT_OUR_SERVICE
    if isinstance(error, zeep.exceptions.Fault):
        return False, problems.FAULT.format(detail=error.message)
    status = 0
    if isinstance(error, zeep.exceptions.TransportError):
        status = error.status_code or 0
        if 200 <= status < 300:  # zeep's word for a 200 it could not read
            return False, problems.MALFORMED
    elif isinstance(error, requests.HTTPError):  # reading the WSDL
        status = error.response.status_code if error.response is not None else 0
    elif isinstance(error, requests.Timeout):
        return True, problems.TIMED_OUT
    elif isinstance(error, requests.RequestException):
        return True, problems.CONNECTION_FAILED.format(kind=type(error).__name__)
    else:  # XMLSyntaxError, XMLParseError, ValidationError, ...
        return False, problems.MALFORMED_BECAUSE.format(detail=error)
    if status >= 500 or not status:
        return True, problems.HTTP_STATUS.format(status=status)
    return False, (problems.REFUSED_CREDENTIALS if status in (401, 403) else problems.HTTP_STATUS).format(status=status)
