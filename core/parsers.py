"""JSON from clients, parsed with a nesting limit (REST bodies, WebSocket frames, webhooks).

Python's parser recurses once per level: about a thousand levels raise ``RecursionError``, and
anything that later walks the value (validation, logging) can hit the same wall. No Oqim
document nests beyond a handful of levels, so deeper input is refused as invalid.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

MAX_DEPTH = 32


class TooDeep(ValueError):
    """JSON nested beyond ``MAX_DEPTH``: refused as invalid JSON."""


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (iterative: no recursion of ours)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in item if isinstance(child, dict | list))
    return False


def loads(text: str | bytes, *, strict: bool = True) -> Any:
    """``json.loads`` that raises ``ValueError`` (``TooDeep``) instead of recursing without end.
    ``strict`` refuses NaN and Infinity, which are not JSON."""
    try:
        value = json.loads(text, parse_constant=drf_json.strict_constant if strict else None)
    except RecursionError as exc:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
    if depth_exceeds(value):
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels.")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting limit; a too-deep body is a 400 ``parse_error``."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads(text, strict=api_settings.STRICT_JSON)
        except ValueError as exc:  # includes UnicodeDecodeError and TooDeep
            raise ParseError(gettext("The body is not valid JSON: %(error)s") % {"error": exc}) from exc
