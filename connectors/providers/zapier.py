"""Zapier: trigger a Zap by POSTing to its catch hook URL; receive what Zaps POST to the hub.

Zaps ("Webhooks by Zapier") sign nothing, so a registration says how a Zap proves itself,
in ``config["auth"]``: ``header`` (default; ``header_name``, default ``X-Api-Key``, carrying the
registration's secret), ``basic`` (HTTP Basic, the secret being ``user:password``) or
``token`` (``?token=<secret>`` in the hook URL). None of these covers the body.

A Zap's body is whatever its author mapped: JSON (one object, or a list with "Wrap Request
In Array") or a form. Its ``event_type``/``event``/``type`` field picks a declared type when it
names one; everything else is ``webhook_received``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectors.providers import http, inbound
from connectors.providers.base import (
    AuthType,
    Capability,
    CapabilityContext,
    ConnectorDefinition,
    Field,
    json_body,
    raise_for_response,
)
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)

DEFAULT_AUTH = "header"
DEFAULT_HEADER = "X-Api-Key"
RECEIVED = "webhook_received"
_TYPE_FIELDS = ("event_type", "event", "type")
_ID_FIELDS = ("id", "event_id", "idempotency_key")
_TIME_FIELDS = ("occurred_at", "timestamp", "created_at", "submitted_at", "triggered_at")


def trigger(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    hook = urlsplit(context.credentials["webhook_url"])
    # A base_url override (sandbox, tests) keeps the hook's path but swaps its host.
    target = (
        http.url(context, hook.path) if context.base_url else context.credentials["webhook_url"]
    )
    headers = {}
    if context.credentials.get("auth_header"):
        name, _, value = context.credentials["auth_header"].partition(":")
        headers[name.strip()] = value.strip()
    response = http.send(context, "POST", target, provider="zapier", json=payload, headers=headers)
    raise_for_response(response, provider="zapier")
    return json_body(response)


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("no secret is configured for this registration")
    auth = context.config.get("auth") or DEFAULT_AUTH
    if auth == "header":
        name = context.config.get("header_name") or DEFAULT_HEADER
        inbound.require_equal(context.secret, inbound.require_header(request, name), what=name)
    elif auth == "basic":
        inbound.require_equal(context.secret, _basic_credentials(request), what="credentials")
    elif auth == "token":
        token = request.query.get("token")
        if not token:
            raise SignatureInvalid("missing token query parameter")
        inbound.require_equal(context.secret, token, what="token")
    else:
        raise SignatureInvalid(f"unknown auth {auth!r} (header, basic or token)")


def _basic_credentials(request: InboundRequest) -> str:
    scheme, _, encoded = inbound.require_header(request, "Authorization").partition(" ")
    if scheme.lower() != "basic":
        raise SignatureInvalid("Authorization is not HTTP Basic")
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("Authorization Basic credentials are not valid base64") from exc


def parse(request: InboundRequest) -> list[ParsedEvent]:
    content_type = request.header("content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        body: Any = dict(parse_qsl(request.body.decode("utf-8", "replace")))
    else:
        body = request.json()
    events = []
    for item in inbound.as_list(body):
        if not isinstance(item, dict):
            raise MalformedBody("a Zap's payload is a JSON object (or a list of them)")
        own_id = _own_id(item)
        events.append(
            ParsedEvent(
                event_type=_event_type(item),
                dedupe_key=own_id or inbound.body_key(item),
                payload=item,
                object_id=own_id,
                occurred_at=_occurred_at(item),
            )
        )
    return events


def _own_id(item: dict[str, Any]) -> str:
    for field in _ID_FIELDS:
        value = item.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return ""


def _event_type(item: dict[str, Any]) -> str:
    named = (item.get(field) for field in _TYPE_FIELDS)
    return next((n for n in named if isinstance(n, str) and n in DEFINITION.events), RECEIVED)


def _occurred_at(item: dict[str, Any]) -> datetime | None:
    return next((at for field in _TIME_FIELDS if (at := inbound.from_iso(item.get(field)))), None)


DEFINITION = ConnectorDefinition(
    code="zapier",
    name="Zapier Webhooks",
    description="Trigger Zaps through catch hooks; receive Zap webhooks.",
    auth_type=AuthType.WEBHOOK_URL,
    credential_fields=(
        Field("webhook_url", "The Zap's catch hook URL"),
        Field(
            "auth_header", "Optional 'Name: value' header sent with each trigger", required=False
        ),
    ),
    events=("webhook_received", "trigger_sent", "workflow_triggered"),
    capabilities=(Capability("trigger", "Trigger the Zap with a JSON payload", trigger),),
    aliases=("zapier-webhook",),
)
