"""The API's JSON parser: DRF's, refusing what PostgreSQL can't store. A NUL character
(``\\u0000``) is valid JSON but neither ``text`` nor ``jsonb`` takes it, so a body carrying one
is a 400 naming the problem instead of a failed write."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise ParseError("JSON parse error - strings can't contain NUL (\\u0000)")
        return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


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
