"""Microsoft Dynamics 365 / Dataverse Web API: contacts upserted with PATCH on a key; webhook
steps received (the RemoteExecutionContext JSON Dataverse POSTs).

Dataverse signs nothing: a webhook registration authenticates with a value it sends back
(learn.microsoft.com, "Register a WebHook"). ``config["auth"]`` says which, the registration's
secret being that value:

- ``"header"`` (HttpHeader, the default): header ``config["header_name"]`` (default
  ``X-Api-Key``) carries the secret.
- ``"webhook_key"`` (WebhookKey): Dataverse appends ``?code=<secret>`` to the URL.
- ``"query"`` (HttpQueryString): Dataverse appends every configured pair. The secret's pair is
  ``config["secret_param"]`` (default ``code``) = secret; the other pairs are
  ``config["query_params"]`` (non-secret, e.g. ``{"source": "dataverse"}``) and must all match.
- ``"seed"``: seed 000's ``X-Dynamics-Signature: <hex HMAC-SHA256(secret, body)>``.

Only ``"seed"`` covers the body; the others prove the sender knows the secret, as Dataverse's
own options do.
"""

from __future__ import annotations

import re
from datetime import datetime
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
    events_from_objects,
    from_epoch,
    from_iso,
    hmac_hex,
    require_equal,
    require_header,
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


# --- inbound webhook steps -----------------------------------------------------------------

DEFAULT_HEADER = "X-Api-Key"
SEED_000_CONFIG = {"auth": "seed"}  # what seed 000's provider endpoint verifies
DEFAULT_SECRET_PARAM = "code"  # WebhookKey's parameter; HttpQueryString's secret pair by default
# The step's message -> the event's action. Assign and SetState change columns of the row
# (owner, status), so they are updates of it.
ACTIONS = {
    "create": "created",
    "update": "updated",
    "assign": "updated",
    "setstate": "updated",
    "setstatedynamicentity": "updated",
    "delete": "deleted",
}
DECLARED_ENTITIES = frozenset({"contact"})
_WCF_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"


def verify(request: InboundRequest, context: VerifyContext) -> None:
    if not context.secret:
        raise SignatureInvalid("the registration has no secret to verify with")
    auth = context.config.get("auth") or "header"
    if auth == "header":
        name = context.config.get("header_name") or DEFAULT_HEADER
        require_equal(context.secret, require_header(request, name), what=f"{name} header")
    elif auth == "webhook_key":
        require_equal(context.secret, _query(request, "code"), what="webhook key")
    elif auth == "query":
        expected = dict(context.config.get("query_params") or {})
        expected[context.config.get("secret_param") or DEFAULT_SECRET_PARAM] = context.secret
        for name, value in expected.items():
            require_equal(str(value), _query(request, name), what=f"query parameter {name}")
    elif auth == "seed":
        signature = require_header(request, "X-Dynamics-Signature").lower()
        require_equal(hmac_hex(context.secret, request.body), signature)
    else:
        raise SignatureInvalid(f"unknown Dynamics auth {auth!r}: header, webhook_key, query, seed")


def _query(request: InboundRequest, name: str) -> str:
    value = request.query.get(name)
    if not value:
        raise SignatureInvalid(f"missing query parameter {name}")
    return value


def parse(request: InboundRequest) -> list[ParsedEvent]:
    return events_from_objects(
        request.json(), lambda item: _event(item, request), what="Dataverse webhook"
    )


def _event(context: dict[str, Any], request: InboundRequest) -> ParsedEvent | None:
    # The headers name the step too; the body wins, the headers fill in what it lacks.
    entity = str(
        context.get("PrimaryEntityName") or request.header("x-ms-dynamics-entity-name") or ""
    ).lower()
    message = str(context.get("MessageName") or request.header("x-ms-dynamics-request-name") or "")
    action = ACTIONS.get(message.lower())
    if entity not in DECLARED_ENTITIES or action is None:
        return None
    record_id = str(context.get("PrimaryEntityId") or "")
    return ParsedEvent(
        event_type=f"{entity}_{action}",
        dedupe_key=_event_key(context, entity, message, record_id),
        payload=context,
        object_type=entity,
        object_id=record_id,
        occurred_at=_wcf_date(context.get("OperationCreatedOn")),
    )


def _event_key(context: dict[str, Any], entity: str, message: str, record_id: str) -> str:
    """``RequestId`` names the request; asynchronous steps send it null (Microsoft's own sample)
    but carry ``OperationId``, their system job, which its retries keep. Failing both, the
    correlation (one per originating operation) with the row, message and stage."""
    for own_id in (context.get("RequestId"), context.get("OperationId")):
        if own_id and str(own_id) != _NIL_GUID:
            return str(own_id)
    correlation = context.get("CorrelationId")
    if correlation and record_id:
        return f"{correlation}:{entity}:{record_id}:{message}:{context.get('Stage', '')}"
    return body_key(context)


def _wcf_date(value: Any) -> datetime | None:
    """``/Date(1506409448000-0700)/``: milliseconds since the epoch in UTC (the offset only says
    where it was written); an ISO string is read too."""
    match = _WCF_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    return from_epoch(match.group(1), unit=1000) if match else from_iso(value)


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
    webhook_secret_field="webhook_secret",
    events=("contact_created", "contact_updated", "contact_deleted"),
    capabilities=(Capability("contact.upsert", "Create or update a contact", upsert_contact),),
    polls=True,
    base_url_field="organization_url",
)
