"""Salesforce REST for Contact: SOQL ``query``/``queryAll`` paged through ``nextRecordsUrl``,
read, create, and upsert by external id (``PATCH /sobjects/Contact/<field>/<value>``).

As Salesforce does: the default batch is ``state.salesforce_batch_size`` (200 here so paging
shows; Salesforce's own default is 2,000) and ``Sforce-Query-Options: batchSize=N`` asks for
200..2000; a query's rows are fixed when it runs (the locator is a cursor); errors are JSON lists
``[{"message", "errorCode"}]``; the API request limit is a 403 ``REQUEST_LIMIT_EXCEEDED``.
Upsert answers 201 with ``created: true`` on insert; on update 200 with ``created: false`` from
API v46.0 on, 204 before (Salesforce's REST API guide, "Insert or Update (Upsert) a Record
Using an External ID")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, overload

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.providers.base import Provider, iso_millis, require
from connectors.sandbox.providers.filters import sort_key, time_span
from connectors.sandbox.providers.soql import Query, SoqlError, parse_soql
from connectors.sandbox.records import Record, RecordStore
from connectors.sandbox.state import SandboxState

API = "/services/data/{version:v\\d+\\.\\d}"
FIELDS = (
    "Id",
    "FirstName",
    "LastName",
    "Name",
    "Email",
    "Phone",
    "Title",
    "External_Id__c",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
)
DATETIME_FIELDS = {"CreatedDate", "LastModifiedDate", "SystemModstamp"}
MODIFIED_FIELDS = {"LastModifiedDate", "SystemModstamp"}  # both are the record's modified time
# ORDER BY clauses that are the store's own order (modified time, then Id; Id breaks ties anyway).
STORE_ORDERS = [
    [(field, False), *tail] for field in sorted(MODIFIED_FIELDS) for tail in ([], [("Id", False)])
]
READ_ONLY = {"Id", "Name", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted"}
_CANONICAL = {name.lower(): name for name in FIELDS}


def field_name(name: str) -> str | None:
    """The field's canonical spelling (SOQL is case-insensitive); custom ``__c`` fields exist."""
    return _CANONICAL.get(name.lower()) or (name if name.lower().endswith("__c") else None)


class Salesforce(Provider):
    name = "salesforce"
    token_prefixes = ("00D",)  # session ids and OAuth access tokens start with the org id
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "TotalRequests Limit exceeded.",
        FaultKind.SERVER_ERROR: "Server temporarily unavailable. Please try again.",
        FaultKind.CLIENT_ERROR: "Bad request",
    }

    error_codes: ClassVar = {
        400: "MALFORMED_QUERY",
        401: "INVALID_SESSION_ID",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        503: "SERVER_UNAVAILABLE",
        500: "UNKNOWN_EXCEPTION",
    }

    def register(self, router: Router) -> None:
        router.add("GET", API + "/query", self.query)
        router.add("GET", API + "/queryAll", self.query)
        router.add("GET", API + "/query/{locator:01g\\w+}-{offset:\\d+}", self.more)
        router.add("GET", API + "/queryAll/{locator:01g\\w+}-{offset:\\d+}", self.more)
        router.add("POST", API + "/sobjects/Contact", self.create)
        router.add("GET", API + "/sobjects/Contact/{record_id}", self.get)
        router.add("PATCH", API + "/sobjects/Contact/{record_id}", self.update)
        router.add("GET", API + "/sobjects/Contact/{field}/{value}", self.get_by_external_id)
        router.add("PATCH", API + "/sobjects/Contact/{field}/{value}", self.upsert)

    def error(self, status, message, code=None, headers=None) -> Response:
        error = {"message": message, "errorCode": self.code_for(status, code)}
        return Response.json([error], status, headers)

    def unauthorized(self, request: Request) -> Response:
        return self.error(401, "Session expired or invalid")

    def rate_limited(self, fault: Fault) -> Response:
        # Salesforce's org-wide API limit is a 403 with no Retry-After.
        return self.error(403, self.fault_messages[FaultKind.RATE_LIMIT], "REQUEST_LIMIT_EXCEEDED")

    def not_found(self, request: Request) -> Response:
        return self.error(404, "The requested resource does not exist")

    # Queries -----------------------------------------------------------------------------

    def query(self, request: Request, state: SandboxState, version: str) -> Response:
        soql = request.query.get("q", "")
        try:
            parsed = parse_soql(soql, field_name, DATETIME_FIELDS)
        except SoqlError as exc:
            return self.error(400, str(exc), exc.code)
        require(
            parsed.sobject.lower() == "contact",
            self,
            400,
            f"sObject type '{parsed.sobject}' is not supported.",
            "INVALID_TYPE",
        )
        rows = Rows(_run(parsed, state.salesforce), version, parsed.fields)
        return self._page(request, state, version, rows, None, 0)

    def more(self, request, state, version: str, locator: str, offset: str) -> Response:
        rows = state.cursor(locator)
        require(rows is not None, self, 400, "invalid query locator", "INVALID_QUERY_LOCATOR")
        return self._page(request, state, version, rows, locator, int(offset))

    def _page(self, request, state, version, rows, locator: str | None, offset: int) -> Response:
        batch = _batch_size(request, state.salesforce_batch_size)
        body: dict[str, Any] = {"totalSize": len(rows), "done": offset + batch >= len(rows)}
        if not body["done"]:
            locator = locator or state.save_cursor(rows)  # a cursor only when there is more
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{offset + batch}"
        body["records"] = rows[offset : offset + batch]
        return Response.json(body)

    # Records -----------------------------------------------------------------------------

    def get(self, request: Request, state: SandboxState, version: str, record_id: str):
        record = state.salesforce.get(record_id)
        require(record, self, 404, "The requested resource does not exist")
        return Response.json(render(record, version))

    def get_by_external_id(self, request, state, version: str, field: str, value: str):
        matches = _matching(state, self._external_id(field), value)
        require(matches, self, 404, "The requested resource does not exist")
        return Response.json(render(matches[0], version))

    def create(self, request: Request, state: SandboxState, version: str) -> Response:
        fields = self._writable(request)
        self._require_last_name(fields)
        record = state.salesforce.create(fields)
        return Response.json({"id": record.id, "success": True, "errors": []}, 201)

    def update(self, request: Request, state: SandboxState, version: str, record_id: str):
        fields = self._writable(request)
        require(state.salesforce.get(record_id), self, 404, "The requested resource does not exist")
        state.salesforce.update(record_id, fields)
        return Response(204)

    def upsert(self, request, state, version: str, field: str, value: str) -> Response:
        external_id = self._external_id(field)
        fields = self._writable(request)
        matches = _matching(state, external_id, value)
        # Upserting on Id only updates: there is no record to create under an Id not issued.
        require(matches or external_id != "Id", self, 404, "The requested resource does not exist")
        if len(matches) > 1:
            urls = [f"/services/data/{version}/sobjects/Contact/{r.id}" for r in matches]
            return Response.json(urls, 300)
        modern = float(version[1:]) >= 46.0  # "created" and the 200 came with API v46.0
        if not matches:
            self._require_last_name(fields)
            record = state.salesforce.create({**fields, external_id: value})
            body = {"id": record.id, "success": True, "errors": []}
            return Response.json({**body, "created": True} if modern else body, 201)
        record = state.salesforce.update(matches[0].id, fields)
        if not modern:
            return Response(204)
        return Response.json({"id": record.id, "success": True, "errors": [], "created": False})

    def _external_id(self, field: str) -> str:
        name = field_name(field)
        require(
            name and (name == "Id" or name.endswith("__c")),
            self,
            404,
            f"Provided external ID field does not exist or is not accessible: {field}",
        )
        return name

    def _writable(self, request: Request) -> dict[str, Any]:
        fields, known = request.json_object(), {}
        for name, value in fields.items():
            canonical = field_name(name)
            require(
                canonical,
                self,
                400,
                f"No such column '{name}' on sobject of type Contact",
                "INVALID_FIELD",
            )
            require(
                canonical not in READ_ONLY,
                self,
                400,
                f"Unable to create/update fields: {name}.",
                "INVALID_FIELD_FOR_INSERT_UPDATE",
            )
            known[canonical] = value
        return known

    def _require_last_name(self, fields: dict[str, Any]) -> None:
        require(
            fields.get("LastName"),
            self,
            400,
            "Required fields are missing: [LastName]",
            "REQUIRED_FIELD_MISSING",
        )


def _batch_size(request: Request, default: int) -> int:
    found = re.search(r"batchSize\s*=\s*(\d+)", request.header("sforce-query-options"))
    return min(max(int(found[1]), 200), 2000) if found else default


def values(record: Record) -> dict[str, Any]:
    first, last = record.fields.get("FirstName"), record.fields.get("LastName")
    return {
        **record.fields,
        "Id": record.id,
        "Name": " ".join(part for part in (first, last) if part),
        "CreatedDate": iso_millis(record.created, "+0000"),
        "LastModifiedDate": iso_millis(record.modified, "+0000"),
        "SystemModstamp": iso_millis(record.modified, "+0000"),
        "IsDeleted": False,
    }


def render(record: Record, version: str, fields: list[str] | None = None) -> dict[str, Any]:
    """A Contact as the REST API returns it: ``attributes`` first, then the fields."""
    data = values(record)
    url = f"/services/data/{version}/sobjects/Contact/{record.id}"
    chosen = fields or [*FIELDS, *(k for k in data if k not in _CANONICAL.values())]
    return {"attributes": {"type": "Contact", "url": url}, **{f: data.get(f) for f in chosen}}


class Rows(Sequence[dict[str, Any]]):
    """A query's result, fixed when it ran (copies of the records), rendered a batch at a time:
    a locator over 50,000 rows holds records, not 50,000 rendered dicts."""

    def __init__(self, records: list[Record], version: str, fields: list[str]) -> None:
        self._records, self._version, self._fields = records, version, fields

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [render(r, self._version, self._fields) for r in self._records[index]]
        return render(self._records[index], self._version, self._fields)


def _run(query: Query, store: RecordStore) -> list[Record]:
    if query.order in STORE_ORDERS:  # a poll: a range of the store's order, no sort
        found = time_span(query.conditions, MODIFIED_FIELDS)
        where = None if found.exact else (lambda record: query.matches(values(record)))
        return store.select(
            lower=found.lower, upper=found.upper, where=where, limit=query.limit
        ).records
    rows = [(record, values(record)) for record in store.all()]
    rows = [(record, data) for record, data in rows if query.matches(data)]
    rows.sort(key=lambda pair: pair[1]["Id"])
    for field, descending in reversed(query.order):
        rows.sort(key=lambda pair, f=field: sort_key(pair[1].get(f)), reverse=descending)
    return [record for record, _ in rows[: query.limit]]


def _matching(state: SandboxState, field: str, value: str) -> list[Record]:
    """Records whose ``field`` is ``value``; ``Id`` is the record's own id, not a field."""
    if field == "Id":
        record = state.salesforce.get(value)
        return [record] if record else []
    return state.salesforce.find(field, value)
