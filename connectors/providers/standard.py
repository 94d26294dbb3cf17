"""Any Standard Webhooks sender (Svix, Resend, Clerk, ...): webhook-id/timestamp/signature.

Signed: ``{webhook-id}.{webhook-timestamp}.{raw body}``, HMAC-SHA256, each signature a
``v1,<base64>`` entry of the space-separated ``webhook-signature`` (several while the sender
rotates its secret: any one matching is enough). Svix-based senders name the same headers
``svix-*``. The secret is ``whsec_<base64 key>``; one without the prefix is its UTF-8 bytes.

A generic sender's event types can't be known in advance: ``parse`` keeps the payload's own
``type`` as the event type, declared or not. ``DEFINITION.events`` lists the types the hub
has real fixtures for (the spec's own example, Resend, Clerk); registrations that want
everything filter on ``*``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime
from typing import Any

from connectors.providers import inbound
from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)

SECRET_PREFIX = "whsec_"
# Epoch timestamps above this are milliseconds (Clerk's ``timestamp``), below it seconds.
_MILLISECONDS_FROM = 10**11


def signing_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("the registration's whsec_ secret is not valid base64") from exc


def _headers(request: InboundRequest) -> tuple[str, str, str]:
    """The id, timestamp and signatures, under the ``webhook-*`` names or Svix's ``svix-*``."""
    prefix = "svix" if request.header("svix-id") and not request.header("webhook-id") else "webhook"
    return (
        inbound.require_header(request, f"{prefix}-id"),
        inbound.require_header(request, f"{prefix}-timestamp"),
        inbound.require_header(request, f"{prefix}-signature"),
    )


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no signing secret is configured for this registration")
    msg_id, timestamp, signatures = _headers(request)
    inbound.check_timestamp(timestamp, context)
    signed = f"{msg_id}.{timestamp}.".encode() + request.body
    expected = inbound.hmac_base64(signing_key(context.secret), signed).encode()
    offered = [
        value.encode()
        for version, _, value in (entry.partition(",") for entry in signatures.split())
        if version == "v1"  # v1a (ed25519) and unknown versions are not ours to check
    ]
    if not offered:
        raise SignatureInvalid("webhook-signature has no v1 signature")
    # Every entry is compared, in constant time, so timing doesn't tell which one matched.
    if not any([hmac.compare_digest(expected, value) for value in offered]):
        raise SignatureInvalid("signature does not match")


def parse(request: InboundRequest) -> list[ParsedEvent]:
    items = inbound.as_list(request.json())
    msg_id = (request.header("webhook-id") or request.header("svix-id") or "").strip()
    sent_at = request.header("webhook-timestamp") or request.header("svix-timestamp")
    events = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise MalformedBody("a Standard Webhooks payload is a JSON object")
        event_type = item.get("type")
        if not isinstance(event_type, str) or not event_type:
            continue  # nothing says what happened: not an event the hub can route
        # One message id per delivery: a (non-standard) list body needs a key per item.
        key = msg_id if len(items) == 1 else f"{msg_id}:{index}" if msg_id else ""
        events.append(
            ParsedEvent(
                event_type=event_type,
                dedupe_key=key or inbound.body_key(item),
                payload=item,
                object_type=_object_type(event_type, item.get("data")),
                object_id=_object_id(item.get("data")),
                occurred_at=_occurred_at(item) or inbound.from_epoch(sent_at),
            )
        )
    return events


def _object_type(event_type: str, data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("object"), str):
        return data["object"]
    return event_type.split(".", 1)[0]  # "invoice.paid" is about an invoice


def _object_id(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    found = data.get("id") or data.get("email_id")  # Resend names its object email_id
    return str(found) if found else ""


def _occurred_at(item: dict[str, Any]) -> datetime | None:
    """The spec's ``timestamp`` (ISO), Resend's ``created_at``, Clerk's epoch milliseconds."""
    for name in ("timestamp", "created_at"):
        value = item.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            unit = 1000.0 if value >= _MILLISECONDS_FROM else 1.0
            return inbound.from_epoch(value, unit=unit)
        if found := inbound.from_iso(value):
            return found
    return None


DEFINITION = ConnectorDefinition(
    code="standard",
    name="Standard Webhooks",
    description="Receive webhooks from any sender following the Standard Webhooks spec.",
    auth_type=AuthType.HMAC_SECRET,
    credential_fields=(Field("secret", "The endpoint's signing secret (whsec_...)"),),
    webhook_secret_field="secret",
    events=("contact.created", "email.delivered", "user.created"),
)
