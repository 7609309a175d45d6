"""Oqim's own words about a failed 1C call: stored in English, read in the reader's language.

A stored failure is Oqim's sentences around what 1C, the network or a library said (a SOAP fault,
an exception's name). The journal keeps it as written, for the log and for support; ``read`` puts
each of Oqim's sentences in the active language and leaves the outside words as they were said.
"""

import re

from django.utils.translation import gettext, gettext_noop

# The placeholders' shapes; any other placeholder is the outside words (anything, maybe empty).
_SHAPES = {"status": r"\d+", "kind": r"\w+", "attempts": r"\d+", "code": r"\w+"}
REFUSED_CREDENTIALS = gettext_noop("HTTP {status}: check the user and password")
HTTP_STATUS = gettext_noop("HTTP {status}")
TIMED_OUT = gettext_noop("no answer in time")
CONNECTION_FAILED = gettext_noop("connection failed ({kind})")
MALFORMED = gettext_noop("malformed answer")
MALFORMED_BECAUSE = gettext_noop("malformed answer ({detail})")
FAULT = gettext_noop("1C refused: {detail}")
MALFORMED_CHANGE = gettext_noop("malformed change: {detail}")
INTERNAL = gettext_noop("internal error ({kind})")
GAVE_UP = gettext_noop("gave up after {attempts} attempts: {inner}")
ANSWERED = gettext_noop("ok: {detail}")
UNRESOLVED = gettext_noop("the host name does not resolve")
NOT_ALLOWED = gettext_noop(
    "not called: a private, loopback or link-local address (the operator can allow it: OUTBOUND_ALLOWED_NETWORKS)"
)
NOT_CALLED = gettext_noop("not called ({code})")
TOO_LARGE = gettext_noop("the answer is too long (OUTBOUND_MAX_RESPONSE_BYTES)")
NOT_OUR_SERVICE = gettext_noop("not Oqim's exchange service: its WSDL has no such binding")
# Tried in this order, each against the whole text; ``inner`` is itself a stored failure.
SENTENCES = (
    REFUSED_CREDENTIALS,
    HTTP_STATUS,
    TIMED_OUT,
    CONNECTION_FAILED,
    MALFORMED,
    MALFORMED_BECAUSE,
    FAULT,
    MALFORMED_CHANGE,
    INTERNAL,
    GAVE_UP,
    ANSWERED,
    UNRESOLVED,
    NOT_ALLOWED,
    NOT_CALLED,
    TOO_LARGE,
    NOT_OUR_SERVICE,
)


def _pattern(sentence: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", sentence)
    return re.compile(
        "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_SHAPES.get(part, '.*')})" for i, part in enumerate(parts)
        ),
        re.DOTALL,
    )


_PATTERNS = [(sentence, _pattern(sentence)) for sentence in SENTENCES]
_AT_URL = re.compile(r"(?P<url>https?://\S+): (?P<inner>.*)", re.DOTALL)
_IN_OPERATION = re.compile(r"(?P<inner>.*) \((?P<operation>[A-Z]\w*)\)", re.DOTALL)


def read(stored: str) -> str:
    """``stored`` in the active language, as far as its sentences are Oqim's."""
    if not stored:
        return ""
    if "; " in stored:  # one problem per URL tried
        return "; ".join(read(part) for part in stored.split("; "))
    for sentence, pattern in _PATTERNS:
        match = pattern.fullmatch(stored)
        if match:
            found = match.groupdict()
            if "inner" in found:
                found["inner"] = read(found["inner"])
            return gettext(sentence).format(**found)
    if match := _AT_URL.fullmatch(stored):
        return f"{match['url']}: {read(match['inner'])}"
    if match := _IN_OPERATION.fullmatch(stored):
        return f"{read(match['inner'])} ({match['operation']})"
    return gettext(stored)  # a whole sentence marked where it was written, or outside words
