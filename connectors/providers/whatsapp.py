"""WhatsApp Business Cloud API: send messages; receive messages and statuses."""

from __future__ import annotations

from typing import Any

from connectors.providers import http, meta_webhooks
from connectors.providers.base import (
    AuthType,
    Capability,
    CapabilityContext,
    ConnectorDefinition,
    Field,
    ProviderError,
    json_body,
    raise_for_response,
)
from connectors.providers.inbound import (
    InboundRequest,
    ParsedEvent,
    body_key,
    from_epoch,
)
from connectors.providers.meta_webhooks import handshake, verify

__all__ = ["DEFINITION", "handshake", "parse", "send_message", "verify"]

GRAPH_VERSION = "v21.0"
# Graph answers throttling with HTTP 400 and these codes (app, business, pair rate limits).
THROTTLE_CODES = frozenset({4, 80007, 130429, 131048, 131056})


def send_message(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    """``POST /{version}/{phone_number_id}/messages``; ``{to, text: "..."}`` sends plain text."""
    body = dict(payload)
    if isinstance(body.get("text"), str):
        body = {"type": "text", **body, "text": {"body": body["text"]}}
    body.setdefault("messaging_product", "whatsapp")
    version = context.config.get("graph_version", GRAPH_VERSION)
    path = f"/{version}/{context.config['phone_number_id']}/messages"
    response = http.send(
        context, "POST", http.url(context, path), provider="whatsapp", json=body,
        headers=http.bearer(context.credentials["access_token"]),
    )  # fmt: skip
    try:
        raise_for_response(response, provider="whatsapp")
    except ProviderError as error:
        error.retryable = error.retryable or _graph_code(error.body) in THROTTLE_CODES
        raise
    return json_body(response)


def _graph_code(body: Any) -> Any:
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


# Inbound: verify and handshake are Meta's (meta_webhooks); the events are WhatsApp's own.

# A status the seed names gets its own event type; failed (and played, deleted, warning, ...)
# are the generic status_update.
STATUS_EVENTS = {"sent": "message_sent", "delivered": "message_delivered", "read": "message_read"}


def parse(request: InboundRequest) -> list[ParsedEvent]:
    """One event per message (``message_received``) and per status under
    ``entry[].changes[].value``; other fields (template and account updates) are skipped."""
    events: list[ParsedEvent] = []
    for kind, entry in meta_webhooks.entries(request):
        if kind != "whatsapp_business_account":
            continue
        for change in meta_webhooks.changes(entry):
            value = change["value"]
            # Metadata and contacts stay with each message and status.
            shared = {k: v for k, v in value.items() if k not in ("messages", "statuses")}
            for message in meta_webhooks.dicts(value.get("messages")):
                payload = _narrowed(kind, entry, change, {**shared, "messages": [message]})
                key = meta_webhooks.text_id(message.get("id"))
                events.append(_event("message_received", message, payload, key=key))
            for status in meta_webhooks.dicts(value.get("statuses")):
                payload = _narrowed(kind, entry, change, {**shared, "statuses": [status]})
                state = str(status.get("status", ""))
                # One message gets several statuses: the key is the message id and the status.
                message_id = meta_webhooks.text_id(status.get("id"))
                key = f"{message_id}:{state}" if message_id else ""
                events.append(
                    _event(STATUS_EVENTS.get(state, "status_update"), status, payload, key=key)
                )
    return events


def _narrowed(kind: str, entry: dict, change: dict, value: dict) -> dict[str, Any]:
    return meta_webhooks.narrowed(kind, entry, changes=[{**change, "value": value}])


def _event(event_type: str, item: dict, payload: dict, *, key: str) -> ParsedEvent:
    return ParsedEvent(
        event_type=event_type,
        dedupe_key=key or body_key(payload),
        payload=payload,
        object_type="message",
        object_id=meta_webhooks.text_id(item.get("id")),
        occurred_at=from_epoch(item.get("timestamp")),
    )


DEFINITION = ConnectorDefinition(
    code="whatsapp",
    name="WhatsApp Business Cloud API",
    description="Send and receive WhatsApp messages through Meta's Cloud API.",
    auth_type=AuthType.API_KEY,
    default_base_url="https://graph.facebook.com",
    config_fields=(
        Field("phone_number_id", "WhatsApp Business phone number id"),
        Field("business_account_id", "WhatsApp Business Account id", required=False),
        Field("graph_version", f"Graph API version, default {GRAPH_VERSION}", required=False),
    ),
    credential_fields=(
        Field("access_token", "WhatsApp Business API access token"),
        Field("webhook_verify_token", "Token Meta echoes in the webhook handshake", required=False),
        Field("app_secret", "App secret (signs webhooks)", required=False),
    ),
    webhook_secret_field="app_secret",
    events=(
        "message_received",
        "message_sent",
        "message_delivered",
        "message_read",
        "status_update",
    ),
    capabilities=(Capability("messages.send", "Send a message", send_message),),
    aliases=("whatsapp-business-cloud",),
)
