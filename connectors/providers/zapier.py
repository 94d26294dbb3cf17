"""Zapier: trigger a Zap by POSTing to its catch hook URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from connectors.providers import http
from connectors.providers.base import (
    AuthType,
    Capability,
    CapabilityContext,
    ConnectorDefinition,
    Field,
    json_body,
    raise_for_response,
)


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
