"""Salesforce REST contacts: polled with SOQL on ``LastModifiedDate``, read by Id, mapped from
the callouts the hub receives.

Paging: one query ``WHERE LastModifiedDate >= <since> ORDER BY LastModifiedDate, Id``, followed
through ``nextRecordsUrl``. Salesforce fixes a query's rows when it runs, so its locator is a
safe paging token: it goes in the cursor beside the keyset (``since``/``seen``, see ``keyset``)
of what has been committed. When the locator has expired (INVALID_QUERY_LOCATOR), a new query
from the keyset loses nothing: the rows not yet committed were modified at or after the newest
one committed (they come in that order), and anything changed since is newer still.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from crm_sync.remote.base import (
    CannotPush,
    Page,
    RemoteApi,
    RemoteContact,
    RemoteError,
    WebhookChange,
)
from crm_sync.remote.keyset import Keyset
from crm_sync.remote.records import make_contact, provider_fields

PROVIDER = "salesforce"
DEFAULT_API_VERSION = "v59.0"
MIN_BATCH, MAX_BATCH = 200, 2000  # what Sforce-Query-Options batchSize accepts
EXPIRED_LOCATOR = "INVALID_QUERY_LOCATOR"
FIELDS = {"first_name": "FirstName", "last_name": "LastName", "email": "Email", "phone": "Phone"}
COLUMNS = ["Id", *FIELDS.values(), "LastModifiedDate"]
CHANGES = {"Contact.created", "Contact.updated", "Contact.deleted"}


def fetch_page(*, api: RemoteApi, cursor: dict, page_size: int) -> Page:
    position = Keyset.from_cursor(cursor)
    headers = {"Sforce-Query-Options": f"batchSize={min(max(page_size, MIN_BATCH), MAX_BATCH)}"}
    body = _next_batch(api, locator=cursor.get("next"), since=position.since, headers=headers)
    contacts = [_contact(record) for record in body.get("records") or []]
    locator = None if body.get("done", True) else body.get("nextRecordsUrl")
    return Page(
        contacts=position.fresh(contacts),
        cursor={**position.advance(contacts).as_cursor(), "next": locator},
        done=locator is None,
    )


def _next_batch(
    api: RemoteApi, *, locator: str | None, since: datetime | None, headers: dict[str, str]
) -> dict[str, Any]:
    if locator:
        try:
            return api.request("GET", locator, headers=headers)
        except RemoteError as error:
            if error.code != EXPIRED_LOCATOR:
                raise
    version = api.config.get("api_version") or DEFAULT_API_VERSION
    return api.request(
        "GET", f"/services/data/{version}/query", params={"q": _soql(since)}, headers=headers
    )


def _soql(since: datetime | None) -> str:
    where = f" WHERE LastModifiedDate >= {_soql_time(since)}" if since else ""
    return f"SELECT {', '.join(COLUMNS)} FROM Contact{where} ORDER BY LastModifiedDate, Id"


def _soql_time(moment: datetime) -> str:
    """SOQL's documented date-time literal has whole seconds; rounding down only re-reads rows
    of the same second, which the keyset drops. The ``+`` is URL-encoded by RemoteApi."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def fetch_contact(*, api: RemoteApi, external_id: str) -> RemoteContact | None:
    version = api.config.get("api_version") or DEFAULT_API_VERSION
    path = f"/services/data/{version}/sobjects/Contact/{quote(external_id, safe='')}"
    record = api.get_or_none(path, params={"fields": ",".join(COLUMNS)})
    return None if record is None else _contact(record)


def _contact(record: dict[str, Any]) -> RemoteContact:
    return make_contact(
        provider=PROVIDER,
        external_id=record.get("Id"),
        values=record,
        names=FIELDS,
        modified=record.get("LastModifiedDate"),
        raw=record,
    )


def from_webhook(*, event_type: str, object_id: str, payload: dict) -> WebhookChange | None:
    """A callout carries ``sobject.fields``: a whole contact when it has the Id, the
    modification time and a LastName or Email (what a trigger serialising the record sends);
    anything less is partial and the caller fetches the contact."""
    if event_type not in CHANGES:
        return None
    sobject = payload.get("sobject") if isinstance(payload.get("sobject"), dict) else {}
    fields = sobject.get("fields") if isinstance(sobject.get("fields"), dict) else {}
    external_id = str(fields.get("Id") or object_id or "")
    if not external_id:
        return None
    if event_type == "Contact.deleted":
        return WebhookChange(external_id, None, deleted=True)
    return WebhookChange(external_id, _whole_contact(fields))


def _whole_contact(fields: dict[str, Any]) -> RemoteContact | None:
    if not (fields.get("Id") and (fields.get("LastName") or fields.get("Email"))):
        return None
    try:
        return _contact(fields)
    except RemoteError:  # no readable LastModifiedDate: partial
        return None


def push_request(
    *, fields: dict[str, str], external_id: str | None, client_id: str
) -> tuple[str, dict]:
    """``contact.upsert``: a contact linked already is updated by its Salesforce ``Id``; a new
    one is created keyed on the connection's External ID field (External_Id__c unless
    configured otherwise) with the client's id, so a repeated push can't create it twice.
    Salesforce refuses a contact without a LastName, so a push without one is refused here."""
    values = provider_fields(fields, FIELDS, blank=None)
    if not values.get("LastName"):
        raise CannotPush("Salesforce needs a last name (LastName), and the client has no name")
    if external_id:
        return "contact.upsert", {
            "external_id_field": "Id",
            "external_id": external_id,
            "fields": values,
        }
    return "contact.upsert", {"external_id": client_id, "fields": values}


def pushed_external_id(response: dict) -> str | None:
    found = response.get("id")
    return str(found) if found not in (None, "") else None
