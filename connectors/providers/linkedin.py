"""LinkedIn Marketing API: lead generation and campaign events.

Inbound: LinkedIn validates a webhook URL with ``GET ?challengeCode=<uuid>`` (answered with
``hex(HMAC-SHA256(client secret, challengeCode))``, again every few hours) and signs every
POST with ``X-LI-Signature``, a hex HMAC-SHA256 with the client secret; its text reads both
as over the body and over ``"hmacsha256=" + body``, so either is accepted.

LinkedIn pushes two families of events, mapped to seed 002's types:
- Lead Sync ``LEAD_ACTION`` notifications: ``leadAction: CREATED`` is ``lead_generated``
  (``DELETED`` is skipped: no declared type says "lead withdrawn").
- ``ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS``, up to ten per POST: every action (LIKE,
  COMMENT, SHARE, SHARE_MENTION, ADMIN_COMMENT, COMMENT_EDIT, COMMENT_DELETE) on a page's
  post is ``post_engagement``, deduplicated by its ``notificationId``.
LinkedIn has no webhook for campaign changes or new connections: ``campaign_updated`` and
``connection_made`` only arrive in seed 002's event envelope (``event_type`` naming a declared
type, ``event_data``), as a relay that signs with the client secret sends them.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from connectors.providers import inbound
from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)

LEAD_ACTION = "LEAD_ACTION"
SOCIAL_ACTIONS = "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"
SIGNED_PREFIX = b"hmacsha256="


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no client secret is configured for this registration")
    received = inbound.require_header(request, "X-LI-Signature").lower().encode()
    over_body = inbound.hmac_hex(context.secret, request.body).encode()
    over_prefixed = inbound.hmac_hex(context.secret, SIGNED_PREFIX + request.body).encode()
    # Both readings are compared in full, in constant time, whichever one matches.
    matches = [hmac.compare_digest(received, over_body)]
    matches.append(hmac.compare_digest(received, over_prefixed))
    if not any(matches):
        raise SignatureInvalid("signature does not match")


def handshake(request: InboundRequest, context: VerifyContext) -> HandshakeReply | None:
    challenge = request.query.get("challengeCode")
    if request.method != "GET" or not challenge:
        return None
    if not context.secret:
        raise SignatureInvalid("no client secret is configured to answer the challenge")
    answer = {
        "challengeCode": challenge,
        "challengeResponse": inbound.hmac_hex(context.secret, challenge.encode()),
    }
    return HandshakeReply(
        status=200, body=json.dumps(answer).encode(), content_type="application/json"
    )


def parse(request: InboundRequest) -> list[ParsedEvent]:
    events: list[ParsedEvent] = []
    for item in inbound.as_list(request.json()):
        if not isinstance(item, dict):
            raise MalformedBody("a LinkedIn notification is a JSON object")
        if item.get("type") == LEAD_ACTION:
            events.extend(_lead(item))
        elif item.get("type") == SOCIAL_ACTIONS:
            events.extend(_social_actions(item))
        elif item.get("event_type") in DEFINITION.events:
            events.append(_seed_envelope(item))
        # Anything else is a LinkedIn push the hub doesn't declare: skipped.
    return events


def _lead(item: dict[str, Any]) -> list[ParsedEvent]:
    if item.get("leadAction") != "CREATED":
        return []
    lead = str(item.get("leadGenFormResponse") or "")
    # No notification id on lead pushes: the lead and what happened to it identify one.
    key = f"{lead}:CREATED" if lead else inbound.body_key(item)
    return [
        ParsedEvent(
            event_type="lead_generated",
            dedupe_key=key,
            payload=item,
            object_type="lead",
            object_id=lead,
            occurred_at=inbound.from_epoch(item.get("occurredAt"), unit=1000),
        )
    ]


def _social_actions(item: dict[str, Any]) -> list[ParsedEvent]:
    notifications = item.get("notifications")
    if not isinstance(notifications, list):
        raise MalformedBody(f"{SOCIAL_ACTIONS} without a notifications list")
    events = []
    for notification in notifications:
        if not isinstance(notification, dict):
            raise MalformedBody("a social action notification is a JSON object")
        notification_id = notification.get("notificationId")
        events.append(
            ParsedEvent(
                event_type="post_engagement",
                dedupe_key=str(notification_id or inbound.body_key(notification)),
                payload=notification,
                object_type="post",
                object_id=str(notification.get("sourcePost") or ""),
                occurred_at=inbound.from_epoch(notification.get("lastModifiedAt"), unit=1000),
            )
        )
    return events


def _seed_envelope(item: dict[str, Any]) -> ParsedEvent:
    key = item.get("idempotency_key")
    return ParsedEvent(
        event_type=item["event_type"],
        dedupe_key=str(key) if key else inbound.body_key(item),
        payload=item,
        occurred_at=inbound.from_iso(item.get("occurred_at")),
    )


DEFINITION = ConnectorDefinition(
    code="linkedin",
    name="LinkedIn Marketing API",
    description="Lead generation forms, campaigns and engagement.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://api.linkedin.com",
    config_fields=(
        Field("scopes", "Granted scopes, e.g. r_liteprofile r_emailaddress", required=False),
    ),
    credential_fields=(
        Field("client_id", "LinkedIn app client id"),
        Field("client_secret", "LinkedIn app client secret (signs webhooks)"),
    ),
    webhook_secret_field="client_secret",
    events=("lead_generated", "campaign_updated", "post_engagement", "connection_made"),
    aliases=("linkedin-api",),
)
