"""Microsoft Dynamics 365 / Dataverse Web API: contacts upserted with PATCH on a key."""

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
    """``PATCH /api/data/v9.2/contacts(<key>)``: Dataverse upserts when the row is missing.

    The key is ``contactid`` when given, else the ``emailaddress1`` alternate key.
    """
    fields = dict(payload.get("fields") or payload)
    if fields.get("contactid"):
        key = str(fields.pop("contactid"))
    elif fields.get("emailaddress1"):
        key = "emailaddress1='{}'".format(str(fields["emailaddress1"]).replace("'", "''"))
    else:
        raise ProviderError("contact.upsert needs contactid or emailaddress1")
    token = context.credentials["access_token"]
    headers = {**http.bearer(token), "Prefer": "return=representation"}
    response = http.send(
        context, "PATCH", http.url(context, f"/api/data/v9.2/contacts({key})"),
        provider="dynamics", json=fields, headers=headers,
    )  # fmt: skip
    raise_for_response(response, provider="dynamics")
    return {"status_code": response.status_code, **json_body(response)}


DEFINITION = ConnectorDefinition(
    code="dynamics",
    name="Microsoft Dynamics 365",
    description="Dataverse contacts; OData polling on modifiedon.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://org.crm.dynamics.com",
    config_fields=(Field("organization_url", "e.g. https://acme.crm4.dynamics.com"),),
    credential_fields=(
        Field("access_token", "Azure AD access token for the Dataverse API"),
        Field("webhook_secret", "Shared HMAC secret or header value for webhooks", required=False),
    ),
    events=("contact_created", "contact_updated", "contact_deleted"),
    capabilities=(Capability("contact.upsert", "Create or update a contact", upsert_contact),),
    polls=True,
    base_url_field="organization_url",
)
