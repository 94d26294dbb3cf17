"""HubSpot CRM v3: contacts upserted by email; webhooks received.

Webhooks: the three signature versions plus seed 000's variant, and the two bodies HubSpot
POSTs (the Webhooks API's event list, a workflow's contact record).

Signatures (developers.hubspot.com, "Validating requests"):

- v3: ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256(client secret, method + URI + body +
  timestamp), ``X-HubSpot-Request-Timestamp`` in milliseconds. HubSpot sends it beside the older
  header, so it wins whenever present: v1 and v2 carry no timestamp and could be replayed.
- v1: ``X-HubSpot-Signature`` = hex SHA-256(client secret + body), version header ``v1``.
- v2: the same header, SHA-256(client secret + method + URI + body), version header ``v2``.
- seed 000: ``X-HubSpot-Signature`` = hex HMAC-SHA256(secret, body), no version header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
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
from connectors.providers.inbound import (
    InboundRequest,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    body_key,
    check_timestamp,
    events_from_objects,
    from_epoch,
    hmac_base64,
    hmac_hex,
    require_equal,
    require_header,
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


# --- inbound webhooks ---------------------------------------------------------------------

# v3's instructions have the URI signed with these escapes decoded; HubSpot's SDKs sign the URI
# as requested. Both are tried, so a URL with such an escape verifies either way.
_V3_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_ESCAPE = re.compile("|".join(_V3_DECODED), re.IGNORECASE)

# (object, action) -> event type. Legacy subscriptions say ``contact.creation``; the developer
# platform's generic ones say ``object.creation`` with the object in ``objectTypeId``.
EVENT_TYPES = {
    ("contact", "creation"): "contact_created",
    ("contact", "propertyChange"): "contact_updated",
    ("contact", "deletion"): "contact_deleted",
    ("contact", "privacyDeletion"): "contact_deleted",  # a GDPR deletion is still a deletion
    ("deal", "creation"): "deal_created",
    ("company", "propertyChange"): "company_updated",
}
OBJECT_TYPE_IDS = {"0-1": "contact", "0-2": "company", "0-3": "deal"}


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        # v1 with an empty secret is a bare SHA-256 of the body: anyone could compute it.
        raise SignatureInvalid("the registration has no client secret to verify with")
    if request.header("X-HubSpot-Signature-v3"):
        _verify_v3(request, context)
        return
    signature = require_header(request, "X-HubSpot-Signature").lower()
    version = (request.header("X-HubSpot-Signature-Version") or "").strip().lower()
    secret = context.secret.encode()
    if version == "v1":
        expected = hashlib.sha256(secret + request.body).hexdigest()
    elif version == "v2":
        source = f"{request.method.upper()}{request.url}".encode()
        expected = hashlib.sha256(secret + source + request.body).hexdigest()
    elif not version:
        expected = hmac_hex(context.secret, request.body)
    else:
        raise SignatureInvalid(f"unknown X-HubSpot-Signature-Version {version!r}")
    require_equal(expected, signature)


def _verify_v3(request: InboundRequest, context: VerifyContext) -> None:
    signature = require_header(request, "X-HubSpot-Signature-v3")
    timestamp = require_header(request, "X-HubSpot-Request-Timestamp")
    check_timestamp(timestamp, context, unit=1000)
    decoded = _ESCAPE.sub(lambda m: _V3_DECODED[m.group(0).upper()], request.url)
    for uri in dict.fromkeys((request.url, decoded)):
        signed = f"{request.method.upper()}{uri}".encode() + request.body + timestamp.encode()
        if hmac.compare_digest(hmac_base64(context.secret, signed).encode(), signature.encode()):
            return
    raise SignatureInvalid("signature does not match")


def parse(request: InboundRequest) -> list[ParsedEvent]:
    body = request.json()
    if isinstance(body, dict) and ("vid" in body or "canonical-vid" in body):
        return _workflow_contact(body)
    return events_from_objects(body, _subscription_event, what="HubSpot webhook")


def _subscription_event(item: dict[str, Any]) -> ParsedEvent | None:
    kind, _, action = str(item.get("subscriptionType") or "").partition(".")
    if kind == "object":
        kind = OBJECT_TYPE_IDS.get(str(item.get("objectTypeId")), "")
    event_type = EVENT_TYPES.get((kind, action))
    if event_type is None:  # merges, restores, associations, tickets...: nothing declared fits
        return None
    object_id = item.get("objectId")
    return ParsedEvent(
        event_type=event_type,
        dedupe_key=_event_key(item),
        payload=item,
        object_type=kind,
        object_id="" if object_id is None else str(object_id),
        occurred_at=from_epoch(item.get("occurredAt"), unit=1000),
    )


def _event_key(item: dict[str, Any]) -> str:
    """HubSpot documents ``eventId`` as "not guaranteed to be unique", and one app's URL hears
    every portal that installs it: the id is qualified by portal, subscription and object.
    A retry changes only ``attemptNumber``, so it maps to the same key."""
    if item.get("eventId") is None:
        return body_key({k: v for k, v in item.items() if k != "attemptNumber"})
    parts = ("portalId", "subscriptionId", "eventId", "objectId")
    return ":".join("" if item.get(p) is None else str(item[p]) for p in parts)


def _workflow_contact(record: dict[str, Any]) -> list[ParsedEvent]:
    """A contact-based workflow's "Send a webhook" action POSTs the contact record as the legacy
    contacts API returns it. Pointed at this hub by a workflow enrolled on a form submission,
    the newest of ``form-submissions`` is the one that enrolled the contact."""
    submissions = [s for s in record.get("form-submissions") or [] if isinstance(s, dict)]
    if not submissions:  # a workflow sent the record for another reason: no event we can name
        return []
    latest = max(submissions, key=lambda s: _number(s.get("timestamp")))
    conversion = latest.get("conversion-id")
    contact_id = record.get("canonical-vid") or record.get("vid")
    return [
        ParsedEvent(
            event_type="form_submitted",
            # The conversion id names the submission, so a workflow re-sending the same
            # record (or a later one) never records one submission twice.
            dedupe_key=f"form-submission:{conversion}" if conversion else body_key(latest),
            payload=record,
            object_type="contact",
            object_id="" if contact_id is None else str(contact_id),
            occurred_at=from_epoch(latest.get("timestamp"), unit=1000),
        )
    ]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


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
    webhook_secret_field="client_secret",
    # The first four are seed 002's names (tests/connectors/test_connections_api.py).
    events=(
        "contact_created",
        "deal_created",
        "form_submitted",
        "company_updated",
        "contact_updated",
        "contact_deleted",
    ),
    capabilities=(
        Capability("contacts.upsert", "Create or update a contact by email", upsert_contact),
    ),
    polls=True,
    aliases=("hubspot-crm",),
)
