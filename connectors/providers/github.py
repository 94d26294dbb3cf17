"""GitHub: repository and organization webhooks signed with X-Hub-Signature-256.

The event type is the ``X-GitHub-Event`` header (``ping`` when a hook is created), the
delivery id ``X-GitHub-Delivery`` (the same GUID when a delivery is redelivered) is the dedupe
key, and the body is JSON or, for hooks set to ``application/x-www-form-urlencoded``, a form
whose ``payload`` field holds the same JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from connectors.providers import inbound
from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    strict_json,
)

# Per event: the payload key of the object it is about, and that object's timestamp fields.
_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ping": ("hook", ("updated_at", "created_at")),
    "pull_request": ("pull_request", ("updated_at", "created_at")),
    "issues": ("issue", ("updated_at", "created_at")),
    "issue_comment": ("comment", ("updated_at", "created_at")),
    "release": ("release", ("published_at", "created_at")),
    "workflow_run": ("workflow_run", ("updated_at", "created_at")),
}


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no webhook secret is configured for this registration")
    signature = inbound.require_header(request, "X-Hub-Signature-256")
    expected = "sha256=" + inbound.hmac_hex(context.secret, request.body)
    inbound.require_equal(expected, signature)


def parse(request: InboundRequest) -> list[ParsedEvent]:
    event_type = (request.header("X-GitHub-Event") or "").strip()
    if not event_type:
        raise MalformedBody("missing X-GitHub-Event header: the event type can't be known")
    payload = _payload(request)
    if event_type not in DEFINITION.events:
        return []  # a hook subscribed to more events than the hub declares
    delivery = (request.header("X-GitHub-Delivery") or "").strip()
    object_type, object_id, occurred_at = _object_of(event_type, payload)
    return [
        ParsedEvent(
            event_type=event_type,
            dedupe_key=delivery or inbound.body_key(payload),
            payload=payload,
            object_type=object_type,
            object_id=object_id,
            occurred_at=occurred_at,
        )
    ]


def _payload(request: InboundRequest) -> dict[str, Any]:
    content_type = request.header("content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if "payload" not in form:
            raise MalformedBody("form-encoded GitHub delivery without a payload field")
        try:
            payload = strict_json(form["payload"][0])
        except ValueError as exc:
            raise MalformedBody(f"payload field is not valid JSON: {exc}") from exc
    else:
        payload = request.json()
    if not isinstance(payload, dict):
        raise MalformedBody("a GitHub webhook payload is a JSON object")
    return payload


def _object_of(event_type: str, payload: dict[str, Any]) -> tuple[str, str, datetime | None]:
    if event_type == "push":
        # A push is about the commit the ref now points at; a deleted ref has none.
        head = _dict(payload.get("head_commit"))
        repository = _dict(payload.get("repository"))
        occurred_at = inbound.from_iso(head.get("timestamp")) or _pushed_at(repository)
        return "commit", str(payload.get("after") or ""), occurred_at
    key, time_fields = _OBJECTS[event_type]
    found = _dict(payload.get(key))
    occurred_at = next(
        (at for name in time_fields if (at := inbound.from_iso(found.get(name)))), None
    )
    return key, str(found.get("id") or ""), occurred_at


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pushed_at(repository: dict[str, Any]) -> datetime | None:
    # Push payloads carry the repository's pushed_at as epoch seconds, not ISO.
    pushed_at = repository.get("pushed_at")
    return inbound.from_epoch(pushed_at) if isinstance(pushed_at, int) else None


DEFINITION = ConnectorDefinition(
    code="github",
    name="GitHub",
    description="Receive repository and organization events.",
    auth_type=AuthType.HMAC_SECRET,
    default_base_url="https://api.github.com",
    credential_fields=(Field("webhook_secret", "The webhook's secret"),),
    webhook_secret_field="webhook_secret",
    events=("ping", "push", "pull_request", "issues", "issue_comment", "release", "workflow_run"),
)
