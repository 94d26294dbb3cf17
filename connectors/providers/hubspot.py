"""HubSpot CRM v3: contacts upserted by email; webhooks and polling come with their issues."""

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


def upsert_contact(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    """``POST /crm/v3/objects/contacts/batch/upsert`` keyed on the unique ``email`` property."""
    properties = dict(payload.get("properties") or payload)
    email = properties.get("email")
    if not email:
        raise ProviderError("contacts.upsert needs properties.email")
    request = {"inputs": [{"idProperty": "email", "id": email, "properties": properties}]}
    response = http.send(
        context, "POST", http.url(context, "/crm/v3/objects/contacts/batch/upsert"),
        provider="hubspot", json=request, headers=http.bearer(context.credentials["access_token"]),
    )  # fmt: skip
    raise_for_response(response, provider="hubspot")
    return json_body(response)


DEFINITION = ConnectorDefinition(
    code="hubspot",
    name="HubSpot CRM",
    description="Contacts, deals and companies; webhooks and search-API polling.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://api.hubapi.com",
    config_fields=(Field("portal_id", "HubSpot account (portal) id", required=False),),
    credential_fields=(
        Field("access_token", "Private app or OAuth access token"),
        Field("client_id", "App client id", required=False),
        Field("client_secret", "App client secret (signs webhooks)", required=False),
    ),
    events=("contact_created", "deal_created", "form_submitted", "company_updated"),
    capabilities=(
        Capability("contacts.upsert", "Create or update a contact by email", upsert_contact),
    ),
    polls=True,
    aliases=("hubspot-crm",),
)
