"""Meta Graph API: Facebook pages, Instagram and lead ads.

Inbound: ``verify`` and ``handshake`` are Meta's shared scheme (``meta_webhooks``); ``parse``
maps Page and Instagram webhooks to seed 002's events: Messenger messages to the page, posts
added to the page's feed, lead ads submissions, and @mentions of the Instagram account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.providers import meta_webhooks
from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import InboundRequest, ParsedEvent, body_key
from connectors.providers.meta_webhooks import handshake, verify

__all__ = ["DEFINITION", "handshake", "parse", "verify"]

# Feed items that are a post of their own (a text status, a photo, a video, a shared link);
# comments, reactions and likes on posts are feed changes too, and are not posts.
POST_ITEMS = frozenset({"post", "status", "photo", "video", "share"})


def parse(request: InboundRequest) -> list[ParsedEvent]:
    events: list[ParsedEvent] = []
    for kind, entry in meta_webhooks.entries(request):
        if kind not in ("page", "instagram"):
            continue  # WhatsApp Business accounts are the whatsapp provider's
        for item in meta_webhooks.dicts(entry.get("messaging")):
            event = _message(kind, entry, item)
            if event:
                events.append(event)
        for change in meta_webhooks.changes(entry):
            event = _change(kind, entry, change)
            if event:
                events.append(event)
    return events


def _message(kind: str, entry: Mapping[str, Any], item: dict[str, Any]) -> ParsedEvent | None:
    """A message someone sent to the page (Messenger) or to the Instagram account (Instagram
    messaging goes through the linked page). Echoes of the page's own messages, postbacks,
    reads and deliveries are not messages received."""
    message = item.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        return None
    payload = meta_webhooks.narrowed(kind, entry, messaging=[item])
    mid = meta_webhooks.text_id(message.get("mid"))
    return ParsedEvent(
        event_type="page_message_received",
        dedupe_key=mid or body_key(payload),
        payload=payload,
        object_type="message",
        object_id=mid,
        occurred_at=meta_webhooks.meta_time(item.get("timestamp") or entry.get("time")),
    )


def _change(kind: str, entry: Mapping[str, Any], change: dict[str, Any]) -> ParsedEvent | None:
    field, value = change["field"], change["value"]
    if kind == "page" and field == "feed":
        if value.get("verb") != "add" or value.get("item") not in POST_ITEMS:
            return None
        event_type, object_type, object_id = "post_published", "post", value.get("post_id")
        when = value.get("created_time")
    elif kind == "page" and field == "leadgen":
        event_type, object_type, object_id = "lead_generated", "lead", value.get("leadgen_id")
        when = value.get("created_time")
    elif kind == "instagram" and field == "mentions":
        # A mention in a comment names the comment; one in a caption only the media.
        comment_id = meta_webhooks.text_id(value.get("comment_id"))
        object_type = "comment" if comment_id else "media"
        event_type, object_id = "instagram_mention", comment_id or value.get("media_id")
        when = None
    else:
        return None
    payload = meta_webhooks.narrowed(kind, entry, changes=[change])
    key = meta_webhooks.text_id(object_id)
    return ParsedEvent(
        event_type=event_type,
        dedupe_key=key or body_key(payload),
        payload=payload,
        object_type=object_type,
        object_id=key,
        occurred_at=meta_webhooks.meta_time(when or entry.get("time")),
    )


DEFINITION = ConnectorDefinition(
    code="meta",
    name="Meta (Facebook) Graph API",
    description="Facebook and Instagram business accounts, pages and lead ads.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://graph.facebook.com",
    config_fields=(
        Field("scopes", "Granted scopes, e.g. pages_messaging ads_management", required=False),
    ),
    credential_fields=(
        Field("app_id", "Facebook app id"),
        Field("app_secret", "Facebook app secret (signs webhooks)"),
        Field("verify_token", "Token Meta echoes in the webhook handshake", required=False),
    ),
    webhook_secret_field="app_secret",
    events=("page_message_received", "post_published", "lead_generated", "instagram_mention"),
    aliases=("meta-graph-api",),
)
