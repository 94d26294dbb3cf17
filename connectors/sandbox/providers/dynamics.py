"""Dynamics 365 / Dataverse Web API for contacts: OData queries with ``$select``, ``$filter``
(``modifiedon gt 2024-01-01T00:00:00Z`` joined by ``and``), ``$orderby``, ``$top``, ``$count``;
server paging with ``Prefer: odata.maxpagesize=N`` (echoed in ``Preference-Applied``; at most
5,000, the default) and ``@odata.nextLink`` carrying an opaque ``$skiptoken``; create (204 with
``OData-EntityId``, or 201 with ``Prefer: return=representation``) and upsert by key (PATCH).

Errors are ``{"error": {"code": "0x...", "message"}}``; the service protection limit is a 429
with ``Retry-After`` and code 0x80072322 (learn.microsoft.com, "Service protection API limits");
a request without a token is a 401 with an empty body and ``WWW-Authenticate``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.providers.base import Provider, iso_seconds, require
from connectors.sandbox.providers.filters import (
    Condition,
    Dialect,
    FilterError,
    plain_literal,
    sort_key,
    time_span,
)
from connectors.sandbox.records import Record, RecordStore
from connectors.sandbox.state import SandboxState

API = "/api/data/{version:v9\\.\\d}"
KEY = "{contact_id:[0-9a-fA-F-]+}"  # no braces inside a placeholder
MAX_PAGE_SIZE = 5000
WRITABLE = ("firstname", "lastname", "emailaddress1", "telephone1", "jobtitle", "statecode")
COLUMNS = ("contactid", "fullname", *WRITABLE, "createdon", "modifiedon", "versionnumber")
BAD_PROPERTY = "0x80060888"
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
SAFE = "$,'()"  # left as they are in a nextLink, as Dataverse writes them
JSON_TYPE = {"Content-Type": "application/json; odata.metadata=minimal", "OData-Version": "4.0"}


def column(name: str) -> str:
    if name.lower() not in COLUMNS:
        raise FilterError(
            f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.contact'.",
            BAD_PROPERTY,
        )
    return name.lower()


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if GUID.fullmatch(token):  # Edm.Guid literals go unquoted: contactid eq 5b9f4c8e-...
        return token.lower()
    try:
        return plain_literal(token)
    except ValueError:
        raise FilterError(f"Syntax error at '{token}' in $filter.", BAD_PROPERTY) from None


ODATA = Dialect(
    {op: op for op in ("eq", "ne", "lt", "le", "gt", "ge")}, "and", _literal, column, BAD_PROPERTY
)


class Dynamics(Provider):
    name = "dynamics"
    token_prefixes = ("eyJ",)  # Entra ID access tokens are JWTs
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "Number of requests exceeded the limit of 6000 over time window "
        "of 300 seconds.",
        FaultKind.SERVER_ERROR: "An unexpected error occurred.",
        FaultKind.CLIENT_ERROR: "Invalid argument.",
    }

    error_codes: ClassVar = {
        404: "0x80040217",
        412: "0x80040237",
        429: "0x80072322",
        400: "0x80040203",
        500: "0x80040216",
    }

    def register(self, router: Router) -> None:
        router.add("GET", API + "/contacts", self.query)
        router.add("POST", API + "/contacts", self.create)
        router.add("GET", API + f"/contacts\\({KEY}\\)", self.get)
        router.add("PATCH", API + f"/contacts\\({KEY}\\)", self.upsert)

    def error(self, status, message, code=None, headers=None) -> Response:
        body = {"error": {"code": self.code_for(status, code), "message": message}}
        return Response.json(body, status, {**JSON_TYPE, **(headers or {})})

    def unauthorized(self, request: Request) -> Response:
        challenge = (
            "Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/"
            f"authorize, resource_id={request.host_url}"
        )
        return Response(401, b"", {"WWW-Authenticate": challenge})

    def rate_limited(self, fault: Fault) -> Response:
        message = self.fault_messages[FaultKind.RATE_LIMIT]
        return self.error(429, message, headers={"Retry-After": str(fault.retry_after)})

    def query(self, request: Request, state: SandboxState, version: str) -> Response:
        params = request.query
        try:
            select = (
                [column(c.strip()) for c in params["$select"].split(",")]
                if params.get("$select")
                else None
            )
            conditions = ODATA.parse(params.get("$filter", ""))
            order = [_order(part) for part in params.get("$orderby", "").split(",") if part]
        except FilterError as exc:
            return self.error(400, str(exc), exc.code)
        top = params.get("$top", "")
        require(not top or top.isdigit(), self, 400, "Invalid $top value.", BAD_PROPERTY)
        offset = _offset(params.get("$skiptoken"))
        require(offset is not None, self, 400, "Invalid $skiptoken.", BAD_PROPERTY)
        size, asked = _page_size(request.header("prefer"))
        found = _query(
            state.dynamics,
            conditions,
            order,
            Window(offset, size, int(top) if top else None, params.get("$count") == "true"),
        )
        base = f"{request.base_url}/api/data/{version}"
        body: dict[str, Any] = {
            "@odata.context": f"{base}/$metadata#contacts"
            + (f"({','.join(select)})" if select else "")
        }
        if found.count is not None:
            body["@odata.count"] = min(found.count, MAX_PAGE_SIZE)
        body["value"] = [render(record, select) for record in found.page]
        if found.more:
            kept = {k: v for k, v in params.items() if k != "$skiptoken"}
            token = f'<cookie pagenumber="{offset // size + 2}" offset="{offset + size}" />'
            body["@odata.nextLink"] = (
                f"{base}/contacts?{urlencode(kept, safe=SAFE, quote_via=quote)}"
                + ("&" if kept else "")
                + f"$skiptoken={quote(token, safe='')}"
            )
        headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if asked else {}
        return Response.json(body, 200, {**JSON_TYPE, **headers})

    def get(self, request: Request, state: SandboxState, version: str, contact_id: str):
        record = state.dynamics.get(contact_id.lower())
        require(record, self, 404, f"contact With Id = {contact_id} Does Not Exist")
        context = f"{request.base_url}/api/data/{version}/$metadata#contacts/$entity"
        return Response.json({"@odata.context": context, **render(record)}, 200, JSON_TYPE)

    def create(self, request: Request, state: SandboxState, version: str) -> Response:
        record = state.dynamics.create(self._writable(request))
        return self._written(request, version, record, created=True)

    def upsert(self, request: Request, state: SandboxState, version: str, contact_id: str):
        contact_id, fields = contact_id.lower(), self._writable(request)
        exists = state.dynamics.get(contact_id) is not None
        # If-Match: * forbids creating, If-None-Match: * forbids updating (Dataverse's upsert).
        require(
            exists or request.header("if-match") != "*",
            self,
            404,
            f"contact With Id = {contact_id} Does Not Exist",
        )
        require(
            not exists or request.header("if-none-match") != "*",
            self,
            412,
            "A record with matching key values already exists.",
        )
        if exists:
            record = state.dynamics.update(contact_id, fields)
        else:
            record = state.dynamics.create(fields, record_id=contact_id)
        return self._written(request, version, record, created=not exists)

    def _writable(self, request: Request) -> dict[str, Any]:
        fields = request.json_object()
        for name in fields:
            require(
                name in WRITABLE,
                self,
                400,
                f"Invalid property '{name}' was found in entity 'Microsoft.Dynamics.CRM.contact'.",
                BAD_PROPERTY,
            )
        return fields

    def _written(self, request: Request, version: str, record: Record, created: bool):
        entity = f"{request.base_url}/api/data/{version}/contacts({record.id})"
        headers = {"OData-EntityId": entity, "OData-Version": "4.0"}
        if "return=representation" in request.header("prefer"):
            headers["Preference-Applied"] = "return=representation"
            return Response.json(render(record), 201 if created else 200, {**JSON_TYPE, **headers})
        return Response(204, b"", headers)


def values(record: Record) -> dict[str, Any]:
    first, last = record.fields.get("firstname"), record.fields.get("lastname")
    return {
        **{name: None for name in WRITABLE},
        "statecode": 0,  # active, unless a write says otherwise
        **record.fields,
        "contactid": record.id,
        "fullname": " ".join(part for part in (first, last) if part),
        "createdon": iso_seconds(record.created),
        "modifiedon": iso_seconds(record.modified),
        "versionnumber": 1_000_000 + record.version,
    }


def render(record: Record, select: list[str] | None = None) -> dict[str, Any]:
    """A row as the Web API returns it: its etag, the selected columns, always its key."""
    data = values(record)
    chosen = dict.fromkeys([*(select or COLUMNS), "contactid"])
    return {"@odata.etag": f'W/"{data["versionnumber"]}"', **{c: data[c] for c in chosen}}


@dataclass(frozen=True)
class Window:
    offset: int  # from the $skiptoken
    size: int  # the page size
    top: int | None  # $top: only the first this many rows exist for the query
    count: bool  # $count=true

    @property
    def end(self) -> int:
        """Where the page ends: after ``size`` rows, or at ``top``."""
        stop = self.offset + self.size
        return stop if self.top is None else min(stop, self.top)

    def more(self, rows_after_end: bool) -> bool:
        """A nextLink when rows follow the page and ``top`` did not end it."""
        return rows_after_end and (self.top is None or self.offset + self.size < self.top)


@dataclass(frozen=True)
class Found:
    page: list[Record]
    count: int | None  # the rows in all (within $top), when $count asked for it
    more: bool  # rows follow the page: a nextLink


# $orderby values that are the store's own order (modifiedon to the second, then contactid).
STORE_ORDERS = ([("modifiedon", False)], [("modifiedon", False), ("contactid", False)])


def _query(store: RecordStore, conditions: list[Condition], order, window: Window) -> Found:
    """One page of the rows ``conditions`` match in ``order``. A poll's query (filtered on
    modifiedon, ordered by it) is a range of the store's order; anything else sorts it all."""
    if order not in STORE_ORDERS:
        return _sorted(store.all(), conditions, order, window)
    found = time_span(conditions, {"modifiedon"})
    selection = store.select(
        lower=found.lower,
        upper=found.upper,
        where=None if found.exact else (lambda record: _matches(record, conditions)),
        offset=window.offset,
        limit=max(0, window.end - window.offset),
        count=window.count,
    )
    count = None
    if window.count and selection.total is not None:
        count = selection.total if window.top is None else min(selection.total, window.top)
    return Found(selection.records, count, window.more(selection.more))


def _sorted(records: list[Record], conditions: list[Condition], order, window: Window) -> Found:
    rows = [(r, values(r)) for r in records]
    rows = [pair for pair in rows if all(c.holds(pair[1].get(c.field)) for c in conditions)]
    rows.sort(key=lambda pair: pair[1]["contactid"])
    for name, descending in reversed(order):
        rows.sort(key=lambda pair, n=name: sort_key(pair[1].get(n)), reverse=descending)
    rows = rows[: window.top] if window.top is not None else rows
    page = [record for record, _ in rows[window.offset : window.end]]
    return Found(page, len(rows) if window.count else None, window.more(window.end < len(rows)))


def _matches(record: Record, conditions: list[Condition]) -> bool:
    data = values(record)
    return all(c.holds(data.get(c.field)) for c in conditions)


def _order(part: str) -> tuple[str, bool]:
    name, *direction = part.split()
    return column(name), bool(direction) and direction[0].lower() == "desc"


def _offset(token: str | None) -> int | None:
    if not token:
        return 0
    found = re.search(r'offset="(\d+)"', token)
    return int(found[1]) if found else None


def _page_size(prefer: str) -> tuple[int, bool]:
    """(page size, whether the client asked for one): Dataverse ignores sizes over 5,000."""
    found = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer)
    if not found or not 0 < int(found[1]) <= MAX_PAGE_SIZE:
        return MAX_PAGE_SIZE, False
    return int(found[1]), True
