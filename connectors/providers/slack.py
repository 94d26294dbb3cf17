"""Slack: Events API webhooks in, ``chat.postMessage`` out.

Slack answers most errors with HTTP 200 and ``{"ok": false, "error": ...}``: that is a
failure. Rate limiting is HTTP 429 with ``Retry-After``.

Inbound: every request is signed ``v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{body}")>``
with ``X-Slack-Request-Timestamp``; the Events API posts an ``event_callback`` envelope whose
``event_id`` stays the same across Slack's retries.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from connectors.providers import http, inbound
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
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    strict_json,
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


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no signing secret is configured for this registration")
    timestamp = inbound.require_header(request, "X-Slack-Request-Timestamp")
    signature = inbound.require_header(request, "X-Slack-Signature")
    inbound.check_timestamp(timestamp, context)
    signed = f"v0:{timestamp}:".encode() + request.body
    inbound.require_equal("v0=" + inbound.hmac_hex(context.secret, signed), signature)


def handshake(request: InboundRequest, context: VerifyContext) -> HandshakeReply | None:
    """``url_verification`` (signed like any event, so it is verified first) echoes the
    challenge; the ``ssl_check`` Slack sends to slash-command URLs only needs a 200."""
    if request.method != "POST":
        return None
    if _is_form(request):
        form = parse_qs(request.body.decode("utf-8", "replace"))
        return HandshakeReply(status=200) if form.get("ssl_check") == ["1"] else None
    try:
        payload = strict_json(request.body)
    except (ValueError, UnicodeDecodeError):
        return None  # parse() will refuse it with a clear 400
    if not isinstance(payload, dict) or payload.get("type") != "url_verification":
        return None
    verify(request, context)
    challenge = payload.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        raise MalformedBody("url_verification without a challenge")
    body = json.dumps({"challenge": challenge}).encode()
    return HandshakeReply(status=200, body=body, content_type="application/json")


def parse(request: InboundRequest) -> list[ParsedEvent]:
    # Slash commands and interactivity arrive form-encoded on the same signed URL; they are
    # not Events API events, so nothing is stored for them.
    if _is_form(request):
        return []
    events = []
    for envelope in inbound.as_list(request.json()):
        if not isinstance(envelope, dict):
            raise MalformedBody("a Slack callback is a JSON object")
        if envelope.get("type") != "event_callback":
            continue  # url_verification (the handshake's), app_rate_limited: no event inside
        event = envelope.get("event")
        if not isinstance(event, dict):
            raise MalformedBody("event_callback without an event object")
        if event.get("type") not in DEFINITION.events:
            continue  # subscribed to more than the hub declares: skip, don't fail the batch
        events.append(_parsed(envelope, event))
    return events


def _parsed(envelope: dict[str, Any], event: dict[str, Any]) -> ParsedEvent:
    object_type, object_id = _object_of(event)
    return ParsedEvent(
        event_type=event["type"],
        dedupe_key=str(envelope.get("event_id") or inbound.body_key(envelope)),
        payload=envelope,
        object_type=object_type,
        object_id=object_id,
        occurred_at=inbound.from_epoch(envelope.get("event_time"))
        or inbound.from_epoch(event.get("event_ts")),
    )


def _object_of(event: dict[str, Any]) -> tuple[str, str]:
    """A message is known by channel and ts; a reaction by the item it was added to."""
    if event["type"] == "member_joined_channel":
        return "channel", str(event.get("channel", ""))
    if event["type"] == "reaction_added":
        item = event.get("item") if isinstance(event.get("item"), dict) else {}
        return str(item.get("type", "")), _message_id(item.get("channel"), item.get("ts"))
    return "message", _message_id(event.get("channel"), event.get("ts") or event.get("event_ts"))


def _message_id(channel: Any, ts: Any) -> str:
    return f"{channel}:{ts}" if channel and ts else ""


def _is_form(request: InboundRequest) -> bool:
    content_type = request.header("content-type") or ""
    return content_type.startswith("application/x-www-form-urlencoded")


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
    webhook_secret_field="signing_secret",
    events=("message", "app_mention", "reaction_added", "member_joined_channel"),
    capabilities=(Capability("chat.postMessage", "Post a message to a channel", post_message),),
)
