"""Salesforce REST API: contacts upserted on an external id field; signed callouts received.

Salesforce signs no webhook of its own (Outbound Messages are unsigned SOAP; Flow and Apex
callouts send what they are built to send), so the hub takes the seeds' callouts: seed 000's
``X-Salesforce-Signature: <hex HMAC-SHA256(secret, body)>`` or seed 001's
``X-Salesforce-Event-Signature: sha256=<hex>``, over a body of
``{"action": "created", "sobject": {"name": "Contact", "fields": {...}}}`` (or a list of them).
"""

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
from connectors.providers.inbound import (
    InboundRequest,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    body_key,
    events_from_objects,
    from_iso,
    hmac_hex,
    require_equal,
)

# Salesforce reports its API limits as 403 with this code: a rate limit, worth retrying.
RATE_LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"
# Upserts need a field marked "External ID" (Email can't be one); orgs add a custom one.
DEFAULT_EXTERNAL_ID = "External_Id__c"


def upsert_contact(context: CapabilityContext, payload: dict[str, Any]) -> dict[str, Any]:
    """``PATCH /services/data/vXX.X/sobjects/Contact/<ExternalIdField>/<value>``.

    ``external_id_field`` in the payload overrides the connection's field: ``Id`` updates a
    record known by its Salesforce id (an upsert on Id never creates)."""
    field_name = payload.get("external_id_field") or context.config.get(
        "external_id_field", DEFAULT_EXTERNAL_ID
    )
    fields = dict(payload.get("fields") or payload)
    fields.pop("external_id_field", None)
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


# --- inbound callouts ----------------------------------------------------------------------

SIGNATURE_HEADERS = ("X-Salesforce-Event-Signature", "X-Salesforce-Signature")
PREFIX = "sha256="
# A callout's verb as the seeds and Apex triggers spell it -> the event type's action.
ACTIONS = {
    "created": "created", "create": "created", "insert": "created", "inserted": "created",
    "updated": "updated", "update": "updated",
    "deleted": "deleted", "delete": "deleted",
}  # fmt: skip
DECLARED_OBJECTS = frozenset({"Contact"})


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("the registration has no secret to verify with")
    for name in SIGNATURE_HEADERS:
        received = (request.header(name) or "").strip()
        if received:
            # Seed 001 prefixes ``sha256=``; seed 000 sends the bare hex. Either header may.
            prefixed = received.lower().startswith(PREFIX)
            hex_part = received[len(PREFIX) :] if prefixed else received
            require_equal(hmac_hex(context.secret, request.body), hex_part.lower())
            return
    raise SignatureInvalid("missing X-Salesforce-Event-Signature or X-Salesforce-Signature header")


def parse(request: InboundRequest) -> list[ParsedEvent]:
    return events_from_objects(request.json(), _event, what="Salesforce callout")


def _event(item: dict[str, Any]) -> ParsedEvent | None:
    sobject = item.get("sobject")
    if not isinstance(sobject, dict):
        return None
    name = str(sobject.get("name") or "")
    action = ACTIONS.get(str(item.get("action") or "").lower())
    if name not in DECLARED_OBJECTS or action is None:  # undelete, Account, ...: not declared
        return None
    fields = sobject.get("fields") if isinstance(sobject.get("fields"), dict) else {}
    changed = fields.get("LastModifiedDate") or fields.get("SystemModstamp")
    return ParsedEvent(
        event_type=f"{name}.{action}",
        dedupe_key=_event_key(item, name, action, fields, changed),
        payload=item,
        object_type=name,
        object_id=str(fields.get("Id") or ""),
        occurred_at=from_iso(changed),
    )


def _event_key(
    item: dict[str, Any], name: str, action: str, fields: dict[str, Any], changed: Any
) -> str:
    """The callout's own event id (a Platform Event's ``replayId``) when it has one; else the
    record's id, the action and the record's modification stamp, which a resend repeats."""
    event = item.get("event") if isinstance(item.get("event"), dict) else {}
    for own_id in (item.get("eventId"), item.get("replayId"), event.get("replayId")):
        if own_id not in (None, ""):
            return str(own_id)
    if fields.get("Id") and changed:
        return f"{name}:{fields['Id']}:{action}:{changed}"
    return body_key(item)


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
    webhook_secret_field="webhook_secret",
    # Seed 001's names: ``<sObject>.<action>``, what its registrations subscribe to.
    events=("Contact.created", "Contact.updated", "Contact.deleted"),
    capabilities=(Capability("contact.upsert", "Create or update a contact", upsert_contact),),
    polls=True,
    base_url_field="instance_url",
)
