"""What Meta's webhooks share (Graph API pages, Instagram, WhatsApp Business Cloud): the
``X-Hub-Signature-256`` check, the ``hub.challenge`` handshake, and the ``{"object", "entry"}``
envelope. ``meta`` and ``whatsapp`` import these; each keeps its own event mapping."""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
    from_epoch,
    hmac_hex,
    require_equal,
    require_header,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
# Meta echoes a short integer; anything much longer is not Meta, and is never reflected back.
MAX_CHALLENGE_LENGTH = 256
# Epoch values past this are milliseconds (Messenger's ``timestamp``, page entries' ``time``).
_MILLISECONDS_FROM = 10**11


def verify(request: InboundRequest, context: VerifyContext) -> None:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``; no timestamp."""
    received = require_header(request, SIGNATURE_HEADER)
    scheme, _, digest = received.partition("=")
    if scheme.lower() != "sha256" or not digest:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} is not sha256=<hex>")
    if not context.secret:
        # An empty key would let anyone sign: a registration without its app secret accepts nothing.
        raise SignatureInvalid("no app secret configured for this registration")
    require_equal(hmac_hex(context.secret, request.body), digest.lower())


def verify_token(config: Mapping[str, Any]) -> str:
    """The registration's verify token (seed 002 calls WhatsApp's ``webhook_verify_token``)."""
    token = config.get("verify_token") or config.get("webhook_verify_token") or ""
    return str(token)


def handshake(request: InboundRequest, context: VerifyContext) -> HandshakeReply | None:
    """``GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...``: 200 with the challenge
    as the plain body when the token is the registration's, else 403. Not a handshake: None."""
    if request.method.upper() != "GET":
        return None
    mode = request.query.get("hub.mode")
    challenge = request.query.get("hub.challenge")
    if mode is None and challenge is None:
        return None
    expected = verify_token(context.config)
    received = request.query.get("hub.verify_token", "")
    if (
        mode != "subscribe"
        or not challenge
        or len(challenge) > MAX_CHALLENGE_LENGTH
        or not expected
        or not hmac.compare_digest(received.encode(), expected.encode())
    ):
        return HandshakeReply(status=403, body=b"hub.verify_token does not match")
    return HandshakeReply(status=200, body=challenge.encode(), content_type="text/plain")


def entries(request: InboundRequest) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(object, entry)`` for every entry of the body (one envelope, or a list of them)."""
    body = request.json()
    envelopes = body if isinstance(body, list) else [body]
    for envelope in envelopes:
        if not isinstance(envelope, dict) or not isinstance(envelope.get("entry"), list):
            raise MalformedBody('expected {"object": ..., "entry": [...]}')
        kind = envelope.get("object")
        if not isinstance(kind, str):
            raise MalformedBody('"object" must name the webhook object (page, instagram, ...)')
        for entry in envelope["entry"]:
            if isinstance(entry, dict):
                yield kind, entry


def changes(entry: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The entry's ``changes`` that carry a field name and an object value."""
    for change in dicts(entry.get("changes")):
        if isinstance(change.get("field"), str) and isinstance(change.get("value"), dict):
            yield change


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list field; anything else reads as empty (never a crash)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def narrowed(kind: str, entry: Mapping[str, Any], **only: Any) -> dict[str, Any]:
    """The webhook as Meta would have sent it with just one item: each stored event keeps the
    envelope's context (page or account id, phone number metadata) in Meta's own shape."""
    rest = {k: v for k, v in entry.items() if k not in ("changes", "messaging", "standby")}
    return {"object": kind, "entry": [{**rest, **only}]}


def meta_time(value: Any) -> datetime | None:
    """An aware datetime from a Meta epoch value in seconds or milliseconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return from_epoch(number, unit=1000.0 if number >= _MILLISECONDS_FROM else 1.0)


def text_id(value: Any) -> str:
    """Meta sends some ids as JSON numbers (leadgen's) and most as strings."""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int) else ""
