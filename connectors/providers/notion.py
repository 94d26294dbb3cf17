"""Notion: integration webhooks (page, database and comment events).

Notion signs each event with the subscription's verification token:
``X-Notion-Signature: sha256=<hex HMAC-SHA256(token, raw body)>``. Seed 001's variant adds
``X-Notion-Request-Timestamp`` and signs ``{timestamp}.{body}``; that one is held to the
timestamp tolerance.

Setting up a subscription, Notion POSTs ``{"verification_token": "secret_..."}`` once, unsigned;
the token becomes the signing key (``HandshakeReply.store_secret``). Such a body is taken only
while the registration has no Notion token yet: its secret is empty or still the placeholder
the hub generated at creation (``whsec_...``, never a Notion token). Once a token is stored, a
verification body is an ordinary request that must be signed, so nobody can replace the key by
posting one. To subscribe anew (Notion sends a new token), rotate the registration's secret to a
generated one, which re-opens the handshake for the next token; a registration whose connection
holds the token verifies with it, and a new one is set on the connection.
"""

from __future__ import annotations

from typing import Any

from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    body_key,
    check_timestamp,
    events_from_objects,
    from_iso,
    hmac_hex,
    require_equal,
    require_header,
)

# webhooks.inbound.registrations generates secrets with this prefix; Notion's tokens never have it.
HUB_PLACEHOLDER_PREFIX = "whsec_"
# Notion's 2025-09-03 API version renamed a database's schema change to its data source's.
ALIASES = {"data_source.schema_updated": "database.schema_updated"}


def handshake(request: InboundRequest, context: VerifyContext) -> HandshakeReply | None:
    token = _verification_token(request)
    if token is None or not _awaiting_token(context):
        return None
    return HandshakeReply(status=200, store_secret=token)


def _verification_token(request: InboundRequest) -> str | None:
    """The token when the body is exactly Notion's verification request, else None."""
    if request.method.upper() != "POST":
        return None
    try:
        body = request.json()
    except MalformedBody:
        return None
    if not isinstance(body, dict) or set(body) != {"verification_token"}:
        return None
    token = body["verification_token"]
    return token.strip() if isinstance(token, str) and token.strip() else None


def _awaiting_token(context: VerifyContext) -> bool:
    return not context.secret or context.secret.startswith(HUB_PLACEHOLDER_PREFIX)


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no verification token yet: Notion has not verified this URL")
    signature = require_header(request, "X-Notion-Signature")
    timestamp = (request.header("X-Notion-Request-Timestamp") or "").strip()
    if timestamp:
        check_timestamp(timestamp, context)
        signed = f"{timestamp}.".encode() + request.body
    else:
        signed = request.body
    require_equal("sha256=" + hmac_hex(context.secret, signed), signature)


def parse(request: InboundRequest) -> list[ParsedEvent]:
    return events_from_objects(request.json(), _event, what="Notion")


def _event(item: dict[str, Any]) -> ParsedEvent | None:
    kind = str(item.get("type") or "")
    event_type = ALIASES.get(kind, kind)
    if event_type not in DEFINITION.events:  # page.moved, page.locked, database.created, ...
        return None
    entity = item.get("entity") if isinstance(item.get("entity"), dict) else {}
    return ParsedEvent(
        event_type=event_type,
        # ``id`` names the event; Notion's retries repeat it with a higher attempt_number.
        dedupe_key=str(item.get("id") or "")
        or body_key({k: v for k, v in item.items() if k != "attempt_number"}),
        payload=item,
        object_type=str(entity.get("type") or ""),
        object_id=str(entity.get("id") or ""),
        occurred_at=from_iso(item.get("timestamp")),
    )


DEFINITION = ConnectorDefinition(
    code="notion",
    name="Notion",
    description="Receive page and database change events from a Notion integration.",
    auth_type=AuthType.API_KEY,
    default_base_url="https://api.notion.com",
    credential_fields=(
        Field("api_key", "Internal integration token (secret_...)", required=False),
        Field(
            "verification_token", "Sent by Notion at subscription; signs webhooks", required=False
        ),
    ),
    webhook_secret_field="verification_token",
    events=(
        "page.created",
        "page.content_updated",
        "page.properties_updated",
        "page.deleted",
        "database.schema_updated",
        "comment.created",
    ),
)
