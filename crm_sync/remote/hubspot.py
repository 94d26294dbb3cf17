"""HubSpot CRM v3 contacts: polled through the search API, read by id, mapped from webhooks.

Paging: keyset on ``lastmodifieddate`` (see ``keyset``), not the search's ``after``, which is an
offset into a live result set and stops at 10,000 results. ``after`` is used only inside a
single timestamp that fills a whole page (a bulk import stamped in one millisecond), where the
time can't tell one row from the next; the cursor then carries ``after`` beside ``since``.
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
from crm_sync.remote.keyset import Keyset, epoch_millis
from crm_sync.remote.records import make_contact, provider_fields

PROVIDER = "hubspot"
CONTACTS = "/crm/v3/objects/contacts"
SEARCH_LIMIT = 100  # HubSpot refuses a larger search page
SEARCH_CAP = 10_000  # and any page past the 10,000th result
FIELDS = {
    "first_name": "firstname",
    "last_name": "lastname",
    "email": "email",
    "phone": "phone",
    "company": "company",
}
PROPERTIES = [*FIELDS.values(), "lastmodifieddate"]
SORTS = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]


def fetch_page(*, api: RemoteApi, cursor: dict, page_size: int) -> Page:
    position = Keyset.from_cursor(cursor)
    after = int(cursor.get("after") or 0)
    limit = min(max(page_size, 1), SEARCH_LIMIT, SEARCH_CAP - after)
    if limit <= 0:
        raise RemoteError(
            f"more than {SEARCH_CAP} HubSpot contacts share lastmodifieddate {position.since}; "
            "the search API can't page past that many"
        )
    body = api.request("POST", f"{CONTACTS}/search", json=_search(position.since, after, limit))
    contacts = [_contact(record) for record in body.get("results") or []]
    more = bool(contacts) and bool(((body.get("paging") or {}).get("next") or {}).get("after"))
    advanced = position.advance(contacts)
    next_after = 0
    if more and advanced.only_at_since(contacts):
        # The page is one timestamp and more may share it: page inside it by offset, counted
        # from the first row at that time (where a query on ``since`` starts).
        next_after = (after if advanced.since == position.since else 0) + len(contacts)
    return Page(
        contacts=position.fresh(contacts),
        cursor={**advanced.as_cursor(), "after": next_after},
        done=not more,
    )


def _search(since: datetime | None, after: int, limit: int) -> dict[str, Any]:
    search: dict[str, Any] = {"sorts": SORTS, "properties": PROPERTIES, "limit": limit}
    if since is not None:
        # Epoch milliseconds: what HubSpot documents for date-time filters.
        since_ms = str(epoch_millis(since))
        rule = {"propertyName": "lastmodifieddate", "operator": "GTE", "value": since_ms}
        search["filterGroups"] = [{"filters": [rule]}]
    if after:
        search["after"] = str(after)
    return search


def fetch_contact(*, api: RemoteApi, external_id: str) -> RemoteContact | None:
    record = api.get_or_none(
        f"{CONTACTS}/{quote(external_id, safe='')}", params={"properties": ",".join(PROPERTIES)}
    )
    return None if record is None else _contact(record)


def _contact(record: dict[str, Any]) -> RemoteContact:
    properties = record.get("properties") or {}
    modified = properties.get("lastmodifieddate") or record.get("updatedAt")
    return make_contact(
        provider=PROVIDER,
        external_id=record.get("id"),
        values=properties,
        names=FIELDS,
        modified=modified,
        raw=record,
    )


def from_webhook(*, event_type: str, object_id: str, payload: dict) -> WebhookChange | None:
    """HubSpot's webhook events name the contact and at most one property: never a whole
    contact, so created and updated are partial (the caller fetches it)."""
    if event_type not in ("contact_created", "contact_updated", "contact_deleted"):
        return None
    external_id = str(object_id or payload.get("objectId") or "")
    if not external_id:
        return None
    return WebhookChange(external_id, None, deleted=event_type == "contact_deleted")


def push_request(
    *, fields: dict[str, str], external_id: str | None, client_id: str
) -> tuple[str, dict]:
    """``contacts.upsert`` keys on email (HubSpot's unique property), so ``external_id`` and
    ``client_id`` play no part; an empty value clears the property (HubSpot's way)."""
    properties = provider_fields(fields, FIELDS, blank="")
    if not properties.get("email"):
        raise CannotPush("HubSpot needs an email: it creates and updates contacts by email")
    return "contacts.upsert", {"properties": properties}


def pushed_external_id(response: dict) -> str | None:
    results = response.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        found = results[0].get("id")
        return str(found) if found not in (None, "") else None
    return None
