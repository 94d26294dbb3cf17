"""The API's JSON parser: DRF's, refusing what PostgreSQL can't store or the hub can't work
with, as a 400 naming the problem instead of a failed write (a 500):

- a NUL character (``\\u0000``) is valid JSON but neither ``text`` nor ``jsonb`` takes it;
- a number too big for a float (``1e309``) reads as infinity, which JSON (and ``jsonb``) has
  no way to write; DRF already refuses the ``Infinity`` and ``NaN`` literals;
- nesting deeper than ``MAX_DEPTH`` levels: every later step (validation, storage, rendering,
  signing) walks the structure, and 2,000 levels exhaust Python's recursion limit.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 100


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        problem = _unstorable(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


def _too_deep() -> str:
    return f"JSON parse error - nested more than {MAX_DEPTH} levels deep"


def _unstorable(data: Any) -> str | None:
    """What makes ``data`` unstorable, or None. Iterative, so depth can't exhaust the stack."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "strings can't contain NUL (\\u0000)"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"a number is out of range ({value}); send it as a string"
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and "\x00" in key:
                    return "strings can't contain NUL (\\u0000)"
                pending.append((item, depth + 1))
    return None


class CurlDefaultJSONParser(StorableJSONParser):
    """JSON sent as ``application/x-www-form-urlencoded``: what ``curl -d '{...}'`` does when
    no Content-Type is given, as seed 001's own testing script does. The body must still be
    JSON; a real form is a 400 saying to send JSON."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError(
                f"{exc.detail}; send a JSON body (Content-Type: application/json)"
            ) from exc
