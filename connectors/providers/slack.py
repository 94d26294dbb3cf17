"""Slack: Events API webhooks in, ``chat.postMessage`` out.

Slack answers most errors with HTTP 200 and ``{"ok": false, "error": ...}``: that is a
failure. Rate limiting is HTTP 429 with ``Retry-After``.
"""

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

# Errors Slack documents as transient; every other ``ok: false`` is permanent.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def post_message(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    body = {"channel": context.config.get("default_channel"), **payload}
    if not body.get("channel"):
        raise ProviderError("chat.postMessage needs a channel (or a default_channel)")
    response = http.send(
        context, "POST", http.url(context, "/api/chat.postMessage"), provider="slack",
        json=body, headers=http.bearer(context.credentials["bot_token"]),
    )  # fmt: skip
    raise_for_response(response, provider="slack")
    answer = json_body(response)
    if not answer.get("ok"):
        error = answer.get("error", "unknown_error")
        raise ProviderError(
            f"slack chat.postMessage failed: {error}",
            status_code=response.status_code,
            retryable=error in TRANSIENT_ERRORS,
            retry_after=response.headers.get("Retry-After"),
            body=answer,
        )
    return answer


def request_submitted_message(payload: dict[str, Any]) -> dict[str, Any]:
    """Seed 003: the message posted for every ``request_submitted`` event."""
    title = payload.get("title") or "New request"
    lines = [f"*:inbox_tray: Request submitted: {title}*"]
    if payload.get("requester"):
        lines.append(f"*Requester:* {payload['requester']}")
    if payload.get("description"):
        lines.append(f"> {payload['description']}")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


DEFINITION = ConnectorDefinition(
    code="slack",
    name="Slack",
    description="Post messages to channels; receive Events API callbacks.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://slack.com",
    config_fields=(
        Field("default_channel", "Channel for notifications, e.g. #integrations", required=False),
    ),
    credential_fields=(
        Field("bot_token", "Bot user OAuth token (xoxb-...)"),
        Field("signing_secret", "Signing secret for verifying Slack's requests", required=False),
    ),
    events=("message", "app_mention", "reaction_added", "member_joined_channel"),
    capabilities=(Capability("chat.postMessage", "Post a message to a channel", post_message),),
)
