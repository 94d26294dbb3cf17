"""WhatsApp Business Cloud API: send messages; receive messages and statuses."""

from __future__ import annotations

from typing import Any

from connectors.providers import http
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
