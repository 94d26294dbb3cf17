"""Dynamics 365 / Dataverse contacts: polled with OData on ``modifiedon``, read by contactid,
mapped from the webhook steps the hub receives.

Paging: keyset on (modifiedon, contactid) (see ``keyset``), not ``@odata.nextLink``: the
sandbox's ``$skiptoken`` is an offset over live rows (``<cookie ... offset="200" />``), which
skips a row whenever one before it changes between two pages. A nextLink only tells us more rows
follow.

``modifiedon`` has whole seconds, so many rows can share one. When a page is all one second and
more follow, the cursor walks the rest of that second by id (``block_after``: ``modifiedon eq T
and contactid gt X``). Leaving the second is only safe once no write can still land in it: when
the server's clock (the ``Date`` header) is past it by ``SETTLED``, the walk goes on from the
next second; otherwise the poll stops there and the next one reads that second again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from crm_sync.remote.base import Page, RemoteApi, RemoteContact, RemoteError, WebhookChange
from crm_sync.remote.keyset import Keyset, parse_time
from crm_sync.remote.records import make_contact, provider_fields

PROVIDER = "dynamics"
CONTACTS = "/api/data/v9.2/contacts"
MAX_PAGE_SIZE = 5000  # Dataverse ignores odata.maxpagesize above this
FIELDS = {
    "first_name": "firstname",
    "last_name": "lastname",
    "email": "emailaddress1",
    "phone": "telephone1",
}
SELECT = ",".join(["contactid", *FIELDS.values(), "modifiedon"])
ORDER = "modifiedon asc,contactid asc"
SECOND = timedelta(seconds=1)
# How far the server's clock must be past a second before no write can still be stamped with
# it: the second itself, plus a margin for requests in flight when it ended.
SETTLED = timedelta(seconds=5)
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_WCF_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")
CHANGES = {"contact_created", "contact_updated", "contact_deleted"}


def fetch_page(*, api: RemoteApi, cursor: dict, page_size: int) -> Page:
    position = Keyset.from_cursor(cursor)
    walking = _guid(cursor.get("block_after"))
    size = min(max(page_size, 1), MAX_PAGE_SIZE)
    answer = api.call(
        "GET",
        CONTACTS,
        params=_query(position.since, walking),
        headers={"Prefer": f"odata.maxpagesize={size}"},
    )
    body = answer.body or {}
    contacts = [_contact(row) for row in body.get("value") or []]
    more = bool(contacts) and bool(body.get("@odata.nextLink"))
    fresh = position.fresh(contacts)
    # While walking one second the position stays at its start: the walk's ids aren't kept
    # (a bulk import can stamp thousands of rows with one second).
    advanced = position if walking else position.advance(contacts)
    if more and advanced.only_at_since(contacts):
        cursor = {**advanced.as_cursor(), "block_after": contacts[-1].external_id}
        return Page(fresh, cursor, done=False)
    if walking:
        return _leave_second(fresh, advanced, server_time=answer.server_time())
    return Page(fresh, {**advanced.as_cursor(), "block_after": None}, done=not more)


def _leave_second(
    fresh: list[RemoteContact], position: Keyset, *, server_time: datetime | None
) -> Page:
    """The walk through ``position.since`` reached its end (as of now)."""
    second = position.since
    if second is not None and server_time is not None and server_time - second >= SETTLED:
        # No row can join that second any more: go on from the next one.
        after = Keyset(second + SECOND)
        return Page(fresh, {**after.as_cursor(), "block_after": None}, done=False)
    # The second may still gain rows: stop, and read it again next poll (a re-read, not a gap).
    return Page(fresh, {**position.as_cursor(), "block_after": None}, done=True)


def _query(since: datetime | None, walking: str | None) -> dict[str, str]:
    query = {"$select": SELECT, "$orderby": ORDER}
    if since is not None and walking:
        query["$filter"] = f"modifiedon eq {_odata_time(since)} and contactid gt {walking}"
    elif since is not None:
        query["$filter"] = f"modifiedon ge {_odata_time(since)}"
    return query


def _odata_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _guid(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not GUID.fullmatch(value):
        raise ValueError(f"cursor 'block_after' is not a contactid: {value!r}")
    return value


def fetch_contact(*, api: RemoteApi, external_id: str) -> RemoteContact | None:
    path = f"{CONTACTS}({quote(external_id, safe='')})"
    row = api.get_or_none(path, params={"$select": SELECT})
    return None if row is None else _contact(row)


def _contact(row: dict[str, Any]) -> RemoteContact:
    return make_contact(
        provider=PROVIDER,
        external_id=row.get("contactid"),
        values=row,
        names=FIELDS,
        modified=row.get("modifiedon"),
        raw=row,
    )


def from_webhook(*, event_type: str, object_id: str, payload: dict) -> WebhookChange | None:
    """A step's RemoteExecutionContext. An Update's Target holds only the columns that
    changed (a column left out may be unchanged or cleared), so it is always partial; a
    Create's Target holds every column set, so it is whole when it says who and when."""
    if event_type not in CHANGES:
        return None
    external_id = str(payload.get("PrimaryEntityId") or object_id or "")
    if not external_id:
        return None
    if event_type == "contact_deleted":
        return WebhookChange(external_id, None, deleted=True)
    contact = _created(payload, external_id) if event_type == "contact_created" else None
    return WebhookChange(external_id, contact)


def _created(context: dict[str, Any], external_id: str) -> RemoteContact | None:
    target = _target(context)
    attributes = {
        item.get("key"): item.get("value")
        for item in target.get("Attributes") or []
        if isinstance(item, dict)
    }
    # A new row's modifiedon is its createdon; a step may send either.
    modified = _wcf_time(attributes.get("modifiedon") or attributes.get("createdon"))
    if modified is None or not (attributes.get("lastname") or attributes.get("emailaddress1")):
        return None
    return make_contact(
        provider=PROVIDER,
        external_id=external_id,
        values=attributes,
        names=FIELDS,
        modified=modified,
        raw=target,
    )


def _target(context: dict[str, Any]) -> dict[str, Any]:
    for parameter in context.get("InputParameters") or []:
        if isinstance(parameter, dict) and parameter.get("key") == "Target":
            value = parameter.get("value")
            return value if isinstance(value, dict) else {}
    return {}


def _wcf_time(value: Any) -> datetime | None:
    """``/Date(1731662100000)/`` (milliseconds since the epoch, UTC; an offset after the number
    only says where it was written) or ISO 8601."""
    match = _WCF_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        return parse_time(int(match.group(1)) if match else value)
    except RemoteError:
        return None


def push_request(
    *, fields: dict[str, str], external_id: str | None, client_id: str
) -> tuple[str, dict]:
    """``contact.upsert``: PATCH on contactid. A new contact gets the client's id as its
    contactid (Dataverse creates a row under a client-chosen GUID), so a repeated push updates
    the row the first one made instead of creating another, and no alternate key is needed."""
    values = provider_fields(fields, FIELDS, blank=None)
    values["contactid"] = external_id or client_id
    return "contact.upsert", {"fields": values}


def pushed_external_id(response: dict) -> str | None:
    found = response.get("contactid")
    return str(found) if found not in (None, "") else None
