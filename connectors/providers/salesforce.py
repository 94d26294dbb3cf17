"""Salesforce REST API: contacts upserted on an external id field."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

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

# Salesforce reports its API limits as 403 with this code: a rate limit, worth retrying.
RATE_LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"
# Upserts need a field marked "External ID" (Email can't be one); orgs add a custom one.
DEFAULT_EXTERNAL_ID = "External_Id__c"


def upsert_contact(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    """``PATCH /services/data/vXX.X/sobjects/Contact/<ExternalIdField>/<value>``."""
    field_name = context.config.get("external_id_field", DEFAULT_EXTERNAL_ID)
    fields = dict(payload.get("fields") or payload)
    value = fields.pop(field_name, None) or payload.get("external_id")
    if not value:
        raise ProviderError(f"contact.upsert needs {field_name}")
    version = context.config.get("api_version", "v59.0")
    path = f"/services/data/{version}/sobjects/Contact/{field_name}/{quote(str(value), safe='')}"
    response = http.send(
        context, "PATCH", http.url(context, path), provider="salesforce", json=fields,
        headers=http.bearer(context.credentials["access_token"]),
    )  # fmt: skip
    try:
        raise_for_response(response, provider="salesforce")
    except ProviderError as error:
        error.retryable = error.retryable or _is_rate_limit(error.body)
        raise
    return {"status_code": response.status_code, **json_body(response)}


def _is_rate_limit(body: Any) -> bool:
    errors = body if isinstance(body, list) else [body]
    return any(isinstance(e, dict) and e.get("errorCode") == RATE_LIMIT_CODE for e in errors)


DEFINITION = ConnectorDefinition(
    code="salesforce",
    name="Salesforce",
    description="Contacts via the REST API; SOQL polling on LastModifiedDate.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://login.salesforce.com",
    config_fields=(
        Field("instance_url", "Your org's instance URL, e.g. https://acme.my.salesforce.com"),
        Field("api_version", "REST API version, default v59.0", required=False),
        Field(
            "external_id_field",
            f"External ID field upserts key on, default {DEFAULT_EXTERNAL_ID}",
            required=False,
        ),
    ),
    credential_fields=(
        Field("access_token", "OAuth access token"),
        Field("webhook_secret", "Shared HMAC secret for signed callouts", required=False),
    ),
    events=("contact_created", "contact_updated", "contact_deleted"),
    capabilities=(Capability("contact.upsert", "Create or update a contact", upsert_contact),),
    polls=True,
    base_url_field="instance_url",
)
