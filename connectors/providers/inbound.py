"""What a provider module offers for inbound webhooks, and the helpers its schemes share.

A provider module that receives webhooks defines:

- ``verify(request, context) -> None``: raise ``SignatureInvalid`` (401) unless the request
  carries the provider's real signature for ``context.secret``, computed over the raw body,
  compared in constant time, with ``context.tolerance_seconds`` where the scheme has a
  timestamp.
- ``parse(request) -> list[ParsedEvent]``: the events in the body (one object or a list),
  each with the provider's own event id as dedupe key (else a hash of its JSON); raise
  ``MalformedBody`` (400) when the body can't be read.
- optionally ``handshake(request, context) -> HandshakeReply | None``: answer a provider's
  set-up request (Slack ``url_verification``, Meta ``hub.challenge``, ...) or None.
- optionally ``SECRET_HEADERS``: header names never stored with the event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

# Never stored with an inbound event, whatever the provider.
ALWAYS_SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


class SignatureInvalid(Exception):
    """The request is not what the provider would send with this secret: 401, nothing stored."""


class MalformedBody(Exception):
    """The body can't be read as the provider's payload: 400, nothing stored."""


@dataclass(frozen=True)
class InboundRequest:
    method: str
    url: str  # absolute, as requested: scheme, host, path and query in their original order
    headers: Mapping[str, str]  # keys lower-case
    query: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return read_json(self.body)


@dataclass(frozen=True)
class VerifyContext:
    secret: str
    config: Mapping[str, Any] = field(default_factory=dict)
    tolerance_seconds: int = 300
    now: float = 0.0


@dataclass(frozen=True)
class HandshakeReply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    store_secret: str | None = None  # Notion: the verification token becomes the signing key


@dataclass(frozen=True)
class ParsedEvent:
    event_type: str
    dedupe_key: str
    payload: Any
    object_type: str = ""
    object_id: str = ""
    occurred_at: datetime | None = None


# --- helpers the schemes share -------------------------------------------------------------


# Every digit becomes "0", and nothing else does: a run of 19 "0"s is a run of 19 digits.
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
# The fewest digits of an integer orjson reads as a float: a negative of 19 (-2**63 - 1 is
# -9223372036854775809); a positive one needs 20 (2**64 - 1 is 18446744073709551615).
_LONG_RUN = b"0" * 19
_ZEROS = re.compile(rb"0+")
_ORJSON_INTEGERS = range(-(2**63), 2**64)


def read_json(body: bytes) -> Any:
    """The body's JSON exactly as ``json.loads`` reads it, within the rules of ``strict_json``.
    orjson reads the common case (UTF-8, no NaN, integers within [-2**63, 2**64 - 1]) three
    times faster; anything else json decides."""
    if not _may_hold_a_long_integer(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return strict_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedBody(f"body is not valid JSON: {exc}") from exc


def strict_json(data: bytes | str) -> Any:
    """``json.loads`` less what the hub could store but never publish (PostgreSQL's jsonb and
    JSON itself refuse them, so the event would fail processing after a 202): ``NaN`` and
    ``Infinity`` (not JSON), a number beyond a double's range (``1e400``: every JSON reader
    downstream makes it infinity) and a lone UTF-16 surrogate (``"\\ud800"``: not text).
    ValueError names the value. orjson refuses all four itself."""
    parsed = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    try:
        json.dumps(parsed, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ValueError("a string holds a lone UTF-16 surrogate (not text)") from exc
    return parsed


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range (beyond a double)")
    return value


def _may_hold_a_long_integer(body: bytes) -> bool:
    """Whether an integer outside [-2**63, 2**64 - 1] may be in the body: orjson reads one as a
    float. Such a number follows the start, a colon, a comma or a bracket (and perhaps whitespace
    and a minus sign); a run of digits anywhere else is in a string or a fraction. A body without
    a run of 19 digits costs one translate and one find, both in C; only a run that long is read
    as a number, so 19-digit ids within range (Twitter's, Discord's) keep orjson."""
    marked = body.translate(_DIGITS_AS_ZEROS)  # in C: scanning in Python costs more than json
    run = marked.find(_LONG_RUN)
    while run != -1:
        end = _ZEROS.match(marked, run).end()
        before = body[max(0, run - 64) : run]
        # Beyond 20 digits no integer is in range (and int() refuses past 4,300 of them).
        if end - run > 20 or _signed(body[run:end], before) not in _ORJSON_INTEGERS:
            # What precedes the run, less whitespace and minus signs (none left: the start, or
            # too much whitespace to look through, which json may as well read).
            before = before.rstrip(b" \t\r\n-")
            if not before or before[-1:] in (b":", b",", b"["):
                return True
        run = marked.find(_LONG_RUN, end)
    return False


def _signed(digits: bytes, before: bytes) -> int:
    return -int(digits) if before.endswith(b"-") else int(digits)


def hmac_digest(key: str | bytes, message: bytes) -> bytes:
    raw_key = key.encode() if isinstance(key, str) else key
    # The one-shot form: OpenSSL's HMAC in one call, without the HMAC object's Python.
    return hmac.digest(raw_key, message, "sha256")


def hmac_hex(key: str | bytes, message: bytes) -> str:
    return hmac_digest(key, message).hex()


def hmac_base64(key: str | bytes, message: bytes) -> str:
    return base64.b64encode(hmac_digest(key, message)).decode()


def require_header(request: InboundRequest, name: str) -> str:
    value = request.header(name)
    if not value:
        raise SignatureInvalid(f"missing {name} header")
    return value.strip()


def require_equal(expected: str, received: str, *, what: str = "signature") -> None:
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise SignatureInvalid(f"{what} does not match")


def check_timestamp(timestamp: str | float, context: VerifyContext, *, unit: float = 1.0) -> None:
    """Reject a timestamp (seconds, or ``unit=1000`` for ms) outside the tolerance."""
    try:
        seconds = float(timestamp) / unit
    except (TypeError, ValueError) as exc:
        raise SignatureInvalid(f"timestamp {timestamp!r} is not a number") from exc
    if abs(context.now - seconds) > context.tolerance_seconds:
        raise SignatureInvalid("timestamp outside the tolerance (replayed or clock skew)")


def body_key(payload: Any) -> str:
    """A dedupe key for payloads without an id of their own: a hash of their canonical JSON."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def as_list(payload: Any) -> list[Any]:
    """A body may be one object or a list of them."""
    return payload if isinstance(payload, list) else [payload]


def events_from_objects(
    body: Any, to_event: Callable[[dict[str, Any]], ParsedEvent | None], *, what: str
) -> list[ParsedEvent]:
    """The events of a body that is one JSON object or a list of them; ``to_event`` returns
    None for objects that aren't an event the provider declares (they are skipped)."""
    if not isinstance(body, dict | list):
        raise MalformedBody(f"a {what} body is a JSON object or a list of them")
    events = []
    for item in as_list(body):
        if not isinstance(item, dict):
            raise MalformedBody(f"each {what} event is a JSON object")
        event = to_event(item)
        if event is not None:
            events.append(event)
    return events


def from_epoch(value: Any, *, unit: float = 1.0) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value) / unit, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
